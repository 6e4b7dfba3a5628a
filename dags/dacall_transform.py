"""Transform and validate, whenever new raw data lands (asset-driven, after dacall_ingest).

    quality gates on raw -> dbt build of staging -> gates on staging
        -> dbt build of linkage, reconciliation and marts -> compliance suite
        -> publish (dbt docs, the HTML report, the exception list)

A failed gate stops only the models downstream of its feed (the dbt builds exclude them) and
alerts the data team; the compliance suite's failures are findings, reported and alerted, not
a reason to stop. When a gate stopped part of the build, the last task (`verdict`) fails, so
the run is marked failed and alerts, and the report is not published from stale marts.
Every task that writes takes the one-slot warehouse pool (DuckDB has one writer). dbt runs as
one build per phase rather than one task per model: the models could only run one after
another anyway, and each task's log and return value list every model's result.
"""

from __future__ import annotations

from airflow.sdk import Asset, dag, task

from dacall.pipeline import MARTS_ASSET_URI, RAW_ASSET_URI
from dacall.schedule import schedule

calendar = schedule()


@dag(**calendar.dag_arguments("dacall_transform", [Asset(RAW_ASSET_URI)], __doc__))
def dacall_transform():
    @task
    def raw_gates(run_id=None) -> dict:
        from dacall.pipeline import gate_step

        return gate_step(run_id=run_id)

    @task
    def build_staging(gates: dict, run_id=None) -> dict:
        from dacall.pipeline import transform_step

        return _logged(
            transform_step(run_id=run_id, phase="staging", stopped_feeds=gates["stopped_feeds"])
        )

    @task
    def staging_gates(_staging: dict, run_id=None) -> dict:
        from dacall.pipeline import staging_gate_step

        return staging_gate_step(run_id=run_id)

    @task(outlets=[Asset(MARTS_ASSET_URI)])
    def build_marts(gates: dict, stg_gates: dict, run_id=None) -> dict:
        from dacall.pipeline import transform_step

        return _logged(
            transform_step(
                run_id=run_id,
                phase="marts",
                stopped_feeds=gates["stopped_feeds"],
                stopped_models=stg_gates["stopped_models"],
            )
        )

    @task
    def compliance(marts: dict, run_id=None) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from dacall.pipeline import compliance_step, mart_built

        if not mart_built(marts, "fct_check_reconciliation"):
            raise AirflowSkipException("fct_check_reconciliation was not built (a gate failed)")
        return compliance_step(run_id=run_id)

    @task
    def publish(_compliance: dict, run_id=None) -> dict:
        from dacall.pipeline import report_step

        return report_step(run_id=run_id)

    @task(trigger_rule="none_failed")
    def verdict(gates: dict, stg_gates: dict) -> dict:
        from dacall.pipeline import outcome_step

        return outcome_step(gates, stg_gates)

    gates = raw_gates()
    stg_gates = staging_gates(build_staging(gates))
    published = publish(compliance(build_marts(gates, stg_gates)))
    published >> verdict(gates, stg_gates)


def _logged(result: dict) -> dict:
    for model in result["models"]:
        print(f"dbt model {model['name']}: {model['status']} in {model['seconds']} s")
    return result


dacall_transform()
