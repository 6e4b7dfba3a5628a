"""Monthly partner extracts, each under its information sharing agreement (config/sharing/).

One task per partner, for the month before the run (the run's day and local time are in
config/schedule.yml). The pseudonym key comes from the Airflow connection `dacall_pseudonym`
(or DACALL_PSEUDONYM_KEY); without one, no extract is made. Every extract is recorded in
audit.disclosures. The task's return value is the manifest's counts and hashes: no data.
"""

from __future__ import annotations

from airflow.sdk import CronTriggerTimetable, dag, task

from dacall.extracts import partners
from dacall.schedule import schedule

calendar = schedule()


@dag(
    **calendar.dag_arguments(
        "dacall_extracts",
        CronTriggerTimetable(calendar.extracts_cron(), timezone=calendar.timezone),
        __doc__,
    )
)
def dacall_extracts():
    @task
    def extract(partner: str, logical_date=None, run_id=None) -> dict:
        from dacall.extracts import make_extract

        manifest = make_extract(
            partner, calendar.extract_period(logical_date), run_by=f"airflow:{run_id}"
        )
        return {key: manifest[key] for key in ("partner", "agreement", "period", "rows", "files")}

    extract.expand(partner=partners())


dacall_extracts()
