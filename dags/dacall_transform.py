"""Transform and validate, whenever new raw data lands (asset-driven, after dacall_ingest).

    quality gates on raw -> dbt build of staging -> gates on staging
        -> dbt build of linkage, reconciliation and marts -> compliance suite
        -> publish (dbt docs, the HTML report, the exception list) -> verdict

One task per step of dacall.steps (the list `dacall run` runs too), in its order, each reading
the results of the steps it needs; this file only wires them. A failed gate stops only the
models downstream of its feed (the dbt builds exclude them) and alerts the data team; the
compliance suite's failures are findings, reported and alerted, not a reason to stop. A step
whose condition says no (the compliance suite when its mart was not built, the report when the
suite did not run) is skipped with its reason. When anything was stopped, the last task
(`verdict`) fails, so the run is marked failed and alerts, and nothing is published from stale
marts. Every task takes the one-slot warehouse pool and the warehouse's run lock; the run
claims the warehouse first (`claim_warehouse`) so that no other run can load or build between
two of its tasks, and its teardown (`release_warehouse`) releases the claim however it ended.
Triggered with `{"full_refresh": true}`, it rebuilds the incremental models from scratch.
"""

from __future__ import annotations

from airflow.sdk import Asset, Param, dag, task

from dacall.pipeline import RAW_ASSET_URI
from dacall.schedule import schedule
from dacall.steps import (
    claim_in_airflow,
    release_in_airflow,
    run_in_airflow,
    steps_of,
    verdict,
)

calendar = schedule()


@dag(
    **calendar.dag_arguments("dacall_transform", [Asset(RAW_ASSET_URI)], __doc__),
    params={
        "full_refresh": Param(
            False,
            type="boolean",
            description="Rebuild the incremental models from all history (dacall run "
            "--full-refresh); a changed release or configuration does so by itself.",
        )
    },
)
def dacall_transform():
    claimed = task(task_id="claim_warehouse")(claim_in_airflow)()
    results, previous = {}, claimed
    for step in steps_of("dacall_transform"):
        outlets = [Asset(step.outlet)] if step.outlet else []
        runs = task(task_id=step.name, outlets=outlets)(run_in_airflow)
        results[step.name] = runs(step.name, {name: results[name] for name in step.needs})
        previous >> results[step.name]
        previous = results[step.name]
    # The verdict is the same on every try: failing once is enough to alert.
    outcome = task(task_id="verdict", trigger_rule="none_failed", retries=0)(verdict)(dict(results))
    previous >> outcome
    released = task(task_id="release_warehouse", retries=0)(release_in_airflow)()
    outcome >> released.as_teardown(setups=claimed)


dacall_transform()
