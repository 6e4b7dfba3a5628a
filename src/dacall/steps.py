"""The pipeline's steps, in order, defined once: `dacall run` runs them one after another, and
the DAGs wire one Airflow task per step from this list (dags/ only wires; no step is written
there).

Each step has a name (its Airflow task id), the DAG it belongs to, the earlier steps whose
results it reads, a condition for running (a reason to skip it, or None) and what stops the
run after it. A skipped step's result is None; a step reading it is skipped too.

A run holds the warehouse's run lock (`dacall.run_lock`) while it runs: a second run that
starts while the first is between steps is refused with one line, so the two never interleave.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from dacall import pipeline
from dacall.faults import after_step, fault_point

Results = dict[str, dict | None]


@dataclass(frozen=True)
class RunContext:
    """What every step of one run shares. None means the configured default (DACALL_*)."""

    run_id: str
    landing: Path | None = None
    warehouse: Path | None = None
    reports: Path | None = None
    up_to: date | None = None
    progress: pipeline.Progress | None = None
    full_refresh: bool = False  # rebuild the incremental models and gate every raw row again
    # Each validating step builds its Data Docs (an Airflow task); run_steps builds them once,
    # after its last validating step.
    data_docs_per_step: bool = True


@dataclass(frozen=True)
class Step:
    name: str
    dag: str  # the Airflow DAG whose task runs it
    says: str  # the progress line `dacall run` prints before it
    run: Callable[[RunContext, Results], dict]
    needs: tuple[str, ...] = ()  # earlier steps whose results it reads
    # Why it does not run this time (None: it runs); the reason is one line of the run's
    # "stopped" list.
    skip_reason: Callable[[Results], str | None] = field(default=lambda _results: None)
    outlet: str | None = None  # the Airflow asset its success updates
    validates: bool = False  # records GX results (and builds their Data Docs, in Airflow)


def _needs_marts(results: Results) -> str | None:
    marts = results.get("build_marts")
    if marts is None or not pipeline.mart_built(marts, "fct_check_reconciliation"):
        return "the compliance suite did not run (fct_check_reconciliation was not built)"
    return None


def _needs_compliance(results: Results) -> str | None:
    if results.get("compliance") is None:
        return "the report and exception list were not written (their marts were not built)"
    return None


TRANSFORM = "dacall_transform"


def _validates_or_reports(
    name: str,
    says: str,
    step_function: Callable[..., dict],
    needs: tuple[str, ...],
    skip_reason: Callable[[Results], str | None] = Step.skip_reason,
    reads_only_what_is_new: bool = False,
    validates: bool = True,
) -> Step:
    """A transform step that reads the warehouse and writes to the run's reports folder (the
    gates, the compliance suite, the report): `step_function(warehouse, run_id, reports)`. A
    step that `reads_only_what_is_new` reads all history when the run is a full refresh; one
    that `validates` builds its Data Docs or leaves them to the run (RunContext)."""

    def run(c: RunContext, _r: Results) -> dict:
        everything = {"full_refresh": c.full_refresh} if reads_only_what_is_new else {}
        docs = {"data_docs": c.data_docs_per_step} if validates else {}
        return step_function(c.warehouse, c.run_id, reports=c.reports, **everything, **docs)

    return Step(
        name,
        TRANSFORM,
        says,
        run,
        needs=needs,
        skip_reason=skip_reason,
        validates=validates,
    )


def _builds(phase: str) -> Callable[[RunContext, Results], dict]:
    """A dbt build step: what the gates before it stopped is left out."""
    return lambda c, r: pipeline.transform_step(
        c.warehouse,
        c.run_id,
        phase,
        r["raw_gates"]["stopped_feeds"],
        (r.get("staging_gates") or {}).get("stopped_models", ()),
        full_refresh=c.full_refresh,
    )


STEPS: tuple[Step, ...] = (
    Step(
        "ingest",
        "dacall_ingest",
        "ingest: loading the landing folder",
        lambda c, _r: pipeline.ingest_step(
            c.landing, c.warehouse, up_to=c.up_to, progress=c.progress, run_id=c.run_id
        ),
        outlet=pipeline.RAW_ASSET_URI,
    ),
    _validates_or_reports(
        "raw_gates",
        "validate: quality gates on the raw feeds",
        pipeline.gate_step,
        needs=(),
        reads_only_what_is_new=True,
    ),
    Step(
        "build_staging",
        TRANSFORM,
        "transform: dbt build of staging",
        _builds("staging"),
        needs=("raw_gates",),
    ),
    _validates_or_reports(
        "staging_gates",
        "validate: quality gates on staging",
        pipeline.staging_gate_step,
        needs=("build_staging",),
    ),
    Step(
        "build_marts",
        TRANSFORM,
        "transform: dbt build of linkage, reconciliation and marts",
        _builds("marts"),
        needs=("raw_gates", "staging_gates"),
        outlet=pipeline.MARTS_ASSET_URI,
    ),
    _validates_or_reports(
        "compliance",
        "validate: compliance suite",
        pipeline.compliance_step,
        needs=("build_marts",),
        skip_reason=_needs_marts,
        reads_only_what_is_new=True,
    ),
    _validates_or_reports(
        "publish",
        "report: dbt docs, the HTML report and the exception list",
        pipeline.report_step,
        needs=("compliance",),
        skip_reason=_needs_compliance,
        validates=False,
    ),
)

BY_NAME = {step.name: step for step in STEPS}


def steps_of(dag: str) -> list[Step]:
    return [step for step in STEPS if step.dag == dag]


def stopped(results: Results) -> list[str]:
    """What a run did not do, one line each: the parts its gates stopped, then each step whose
    condition kept it from running. `dacall run` exits 3 on these, the DAG's verdict fails."""
    lines = pipeline.stopped_parts(
        results.get("raw_gates") or {}, results.get("staging_gates") or {}
    )
    lines += [
        reason for step in STEPS if step.name in results and (reason := step.skip_reason(results))
    ]
    return lines


def verdict(results: Results) -> dict:
    """The run's outcome: PartialBuild when anything was stopped, so the Airflow run is marked
    failed and its failure callback alerts (`dacall run` exits 3 on the same list)."""
    lines = stopped(results)
    if lines:
        raise pipeline.PartialBuild("; ".join(lines))
    return {"complete": True, "stopped": []}


def run_step(step: Step, context: RunContext, results: Results) -> dict | None:
    """One step: None (and nothing done) when its condition says it does not run."""
    if step.skip_reason(results):
        return None
    return step.run(context, results)


def run_steps(context: RunContext, steps: list[Step] | tuple[Step, ...] = STEPS) -> Results:
    """Every step in order (what `dacall run` does), holding the warehouse's run lock."""
    from dacall.alerts import wait_for_emails
    from dacall.run_lock import run_lock

    results: Results = {}
    say = context.progress or (lambda _m: None)
    warehouse = pipeline.paths.warehouse_or_configured(context.warehouse)
    context = replace(context, data_docs_per_step=False)
    with run_lock(warehouse, context.run_id):
        if any(step.name.startswith("build_") for step in steps):
            pipeline.parse_for_builds(warehouse)  # dbt is ready when its first build comes
        # The Data Docs are built once, after the last validating step: before the report,
        # which links to them.
        last_validating = max((i for i, s in enumerate(steps) if s.validates), default=-1)
        validated = docs_built = False
        try:
            for index, step in enumerate(steps):
                reason = step.skip_reason(results)
                if reason is None:
                    say(step.says)
                    validated |= step.validates
                results[step.name] = run_step(step, context, results)
                if validated and index == last_validating:
                    docs_built = True  # tried once: a failed build is not tried again below
                    _build_data_docs(say, warehouse, context.reports)
                fault_point(after_step(step.name))
        finally:
            # Also when a step failed: the results recorded before it are then what the Data
            # Docs are read for.
            if validated and not docs_built:
                _build_data_docs(say, warehouse, context.reports)
    wait_for_emails()  # the steps' alerts, sent meanwhile
    return results


def _build_data_docs(say: Callable[[str], None], warehouse: Path, reports: Path | None) -> None:
    say("validate: Data Docs of the run's results")
    pipeline.data_docs_step(warehouse, reports)


def new_run_id() -> str:
    return str(uuid.uuid4())


# An Airflow task waits this long for a `dacall run` (or a task of another DAG) holding the
# warehouse's run lock, then fails and is retried (config/schedule.yml's task_defaults).
AIRFLOW_LOCK_WAIT_SECONDS = 900


def run_in_airflow(
    name: str, earlier: Results, run_id=None, logical_date=None, params=None
) -> dict:
    """One step as an Airflow task: `earlier` holds the results (XCom) of the steps it needs;
    a step whose condition says no is skipped with its reason. The DAG run's `full_refresh`
    parameter rebuilds the incremental models from scratch, as `dacall run --full-refresh`."""
    from airflow.sdk.exceptions import AirflowSkipException

    from dacall.run_lock import run_lock

    step = BY_NAME[name]
    reason = step.skip_reason(earlier)
    if reason:
        raise AirflowSkipException(reason)
    run_id = run_id or new_run_id()
    context = RunContext(
        run_id,
        up_to=pipeline.business_day(logical_date),
        full_refresh=bool((params or {}).get("full_refresh", False)),
    )
    # Airflow's one-slot warehouse pool and max_active_runs order the DAGs' tasks; a task that
    # waited on another DAG run's claim would hold the pool's only slot while it waited, and
    # that run's next task could never start. Claims keep out runs from outside Airflow.
    with run_lock(
        pipeline.paths.warehouse(),
        run_id,
        wait_seconds=AIRFLOW_LOCK_WAIT_SECONDS,
        honour_claims=False,
    ):
        result = run_step(step, context, earlier)
    fault_point(after_step(step.name))
    for model in (result or {}).get("models", []):
        print(f"dbt model {model['name']}: {model['status']} in {model['seconds']} s")
    return result


def claim_in_airflow(run_id=None) -> dict:
    """The transform DAG's first task: claim the warehouse for this DAG run, so that no other run
    slips in between its tasks (each task holds the run lock only while it runs)."""
    from dacall.run_lock import claim
    from dacall.schedule import schedule

    until = claim(
        pipeline.paths.warehouse(),
        run_id,
        schedule().run_claim,
        wait_seconds=AIRFLOW_LOCK_WAIT_SECONDS,
    )
    return {"claimed_until": until}


def release_in_airflow(run_id=None) -> dict:
    """The transform DAG's teardown: release this DAG run's claim, however its tasks ended."""
    from dacall.run_lock import release

    released = release(pipeline.paths.warehouse(), run_id, AIRFLOW_LOCK_WAIT_SECONDS)
    return {"released": released}
