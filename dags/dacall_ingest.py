"""Daily ingestion: every feed in the landing folder into the warehouse's raw schema.

Thin by design: the work is dacall.pipeline.ingest_step, which `dacall run` calls too.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Asset, dag, task

from dacall.alerts import on_task_failure
from dacall.pipeline import RAW_ASSET_URI, WAREHOUSE_POOL

raw_data = Asset(RAW_ASSET_URI)


@dag(
    dag_id="dacall_ingest",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=True,
    max_active_runs=1,
    tags=["dacall"],
    doc_md=__doc__,
)
def dacall_ingest():
    @task(pool=WAREHOUSE_POOL, outlets=[raw_data], on_failure_callback=on_task_failure)
    def ingest(logical_date=None) -> dict:
        from dacall.pipeline import business_day, ingest_step

        # A run at midnight loads the day that ended; a backfill walks the landing day by day.
        return ingest_step(up_to=business_day(logical_date))

    ingest()


dacall_ingest()
