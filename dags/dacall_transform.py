"""Transform: the dbt build (models, tests and unit tests) whenever new raw data lands.

Asset-driven: it runs after dacall_ingest updates the raw data. One build task, not one task
per model: DuckDB takes one writer at a time, so per-model tasks could only run one by one
while each reopened the warehouse; the task's log and return value list every model's result.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Asset, dag, task

from dacall.pipeline import MARTS_ASSET_URI, RAW_ASSET_URI, WAREHOUSE_POOL


@dag(
    dag_id="dacall_transform",
    schedule=[Asset(RAW_ASSET_URI)],
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["dacall"],
    doc_md=__doc__,
)
def dacall_transform():
    @task(pool=WAREHOUSE_POOL, outlets=[Asset(MARTS_ASSET_URI)])
    def dbt_build() -> dict:
        from dacall.pipeline import transform_step

        result = transform_step()
        for model in result["models"]:
            print(f"dbt model {model['name']}: {model['status']} in {model['seconds']} s")
        return result

    dbt_build()


dacall_transform()
