"""Ingestion: every feed in the landing folder into the warehouse's raw schema.

Runs nightly at a local time after the feeds usually land, and again later the same day for
files that land late (config/schedule.yml). A nightly run always updates the raw asset, which
starts dacall_transform (its freshness gate names a day that did not arrive); a later run does
so only when it loaded a new delivery. Thin by design: the task is the step `ingest` of
dacall.steps, the list `dacall run` runs too.
"""

from __future__ import annotations

from airflow.sdk import Asset, MultipleCronTriggerTimetable, dag, task

from dacall.schedule import schedule
from dacall.steps import BY_NAME

ingest_step = BY_NAME["ingest"]
calendar = schedule()


@dag(
    **calendar.dag_arguments(
        "dacall_ingest",
        MultipleCronTriggerTimetable(*calendar.ingest_crons(), timezone=calendar.timezone),
        __doc__,
    )
)
def dacall_ingest():
    @task(task_id=ingest_step.name, outlets=[Asset(ingest_step.outlet)])
    def ingest(logical_date=None, run_id=None) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from dacall.pipeline import loaded_anything
        from dacall.steps import run_in_airflow

        summary = run_in_airflow(ingest_step.name, {}, run_id, logical_date)
        if not loaded_anything(summary) and not calendar.is_nightly(logical_date):
            # A skipped task updates no asset: no transform for a check that found nothing new.
            raise AirflowSkipException("no new delivery since the last run")
        return summary

    ingest()


dacall_ingest()
