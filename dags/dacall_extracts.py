"""Monthly partner extracts, each under its information sharing agreement (config/sharing/).

One task per partner, for the month that has just ended. The pseudonym key comes from the
Airflow connection `dacall_pseudonym` (or DACALL_PSEUDONYM_KEY); without one, no extract is made.
Every extract is recorded in audit.disclosures. The task's return value is the manifest's
counts and hashes: no data.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from dacall.alerts import on_task_failure
from dacall.extracts import partners
from dacall.pipeline import WAREHOUSE_POOL


@dag(
    dag_id="dacall_extracts",
    schedule="@monthly",
    start_date=datetime(2025, 2, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"pool": WAREHOUSE_POOL, "on_failure_callback": on_task_failure},
    tags=["dacall"],
    doc_md=__doc__,
)
def dacall_extracts():
    @task
    def extract(partner: str, logical_date=None, run_id=None) -> dict:
        from dacall.extracts import make_extract, previous_month

        manifest = make_extract(
            partner, previous_month(logical_date.date()), run_by=f"airflow:{run_id}"
        )
        return {key: manifest[key] for key in ("partner", "agreement", "period", "rows", "files")}

    extract.expand(partner=partners())


dacall_extracts()
