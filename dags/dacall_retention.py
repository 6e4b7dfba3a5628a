"""Retention, applied daily: delete what is past its period in config/retention.yml and record
the counts in audit.retention_runs (dacall.governance.retention). The time of day is
config/retention.yml's run_at, in config/schedule.yml's time zone. The task's return value is
counts only: no data.
"""

from __future__ import annotations

from airflow.sdk import CronTriggerTimetable, dag, task

from dacall.governance.retention import retention_cron
from dacall.schedule import schedule

calendar = schedule()


@dag(
    **calendar.dag_arguments(
        "dacall_retention",
        CronTriggerTimetable(retention_cron(), timezone=calendar.timezone),
        __doc__,
    )
)
def dacall_retention():
    @task
    def apply_retention(run_id=None) -> dict:
        from dacall.governance.retention import apply_retention

        lines = apply_retention(run_by=f"airflow:{run_id}")
        return {f"{line['rule']}:{line['target']}": line["deleted"] for line in lines}

    apply_retention()


dacall_retention()
