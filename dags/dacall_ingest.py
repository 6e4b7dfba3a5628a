"""Ingestion: every feed in the landing folder into the warehouse's raw schema.

Runs nightly at a local time after the feeds usually land, and again later the same day for
files that land late (config/schedule.yml). A nightly run always updates the raw asset, which
starts dacall_transform (its freshness gate names a day that did not arrive); a later run does
so only when it loaded a new delivery. Thin by design: the work is
dacall.pipeline.ingest_step, which `dacall run` calls too.
"""

from __future__ import annotations

from airflow.sdk import Asset, MultipleCronTriggerTimetable, dag, task

from dacall.pipeline import RAW_ASSET_URI
from dacall.schedule import schedule

raw_data = Asset(RAW_ASSET_URI)
calendar = schedule()


@dag(
    **calendar.dag_arguments(
        "dacall_ingest",
        MultipleCronTriggerTimetable(*calendar.ingest_crons(), timezone=calendar.timezone),
        __doc__,
    )
)
def dacall_ingest():
    @task(outlets=[raw_data])
    def ingest(logical_date=None) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from dacall.pipeline import business_day, ingest_step, loaded_anything

        summary = ingest_step(up_to=business_day(logical_date))
        if not loaded_anything(summary) and not calendar.is_nightly(logical_date):
            # A skipped task updates no asset: no transform for a check that found nothing new.
            raise AirflowSkipException("no new delivery since the last run")
        return summary

    ingest()


dacall_ingest()
