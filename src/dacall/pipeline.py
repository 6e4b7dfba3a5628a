"""The pipeline's steps, as the Airflow tasks and `dacall run` both call them.

Each step takes plain paths and returns a small summary of counts: safe for XCom and logs,
with no personal data in it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

from dacall import paths
from dacall.faults import fault_point
from dacall.settings import UserError

WAREHOUSE_POOL = "dacall_warehouse"  # one slot: DuckDB allows one writer at a time
RAW_ASSET_URI = "dacall://warehouse/raw"
MARTS_ASSET_URI = "dacall://warehouse/marts"

Progress = Callable[[str], None]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _record_run(
    warehouse: Path, run_id: str, step: str, started: datetime, status: str, detail: str
) -> None:
    from dacall.warehouse import connect

    con = connect(warehouse)
    try:
        con.execute(
            "insert into audit.pipeline_runs values (?, ?, ?, ?, ?, ?)",
            [run_id, step, started, _now(), status, detail[:2000]],
        )
    finally:
        con.close()


def business_day(logical_date: datetime | None) -> date | None:
    """The business date a scheduled run covers (config/schedule.yml): the local day before."""
    if logical_date is None:
        return None
    from dacall.schedule import schedule

    return schedule().business_day(logical_date)


def loaded_anything(summary: dict) -> bool:
    """Whether an ingest step took in any new delivery (loaded or rejected a file)."""
    return any(f["files_loaded"] or f["files_rejected"] for f in summary["feeds"].values())


def ingest_step(
    landing: Path | None = None,
    warehouse: Path | None = None,
    up_to: date | None = None,
    progress: Progress | None = None,
    run_id: str | None = None,
) -> dict:
    from dacall.config_schema import validate_all
    from dacall.governance.at_rest import check_warehouse_folder
    from dacall.ingest.loader import ingest
    from dacall.review.outcomes import load_outcomes
    from dacall.warehouse import owner_only

    warehouse = paths.warehouse_or_configured(warehouse)
    check_warehouse_folder(warehouse)
    run_id = run_id or str(uuid.uuid4())
    started = _now()
    with owner_only():
        try:
            validate_all()
            result = ingest(landing or paths.landing(), warehouse, up_to=up_to, progress=progress)
            # The review app's outcomes: this run's queue leaves reviewed incidents out.
            reviewed = load_outcomes(warehouse)
        except BaseException as exc:
            # The run is recorded even when it stops: the ledger of runs has no silent gaps.
            _record_failure(warehouse, run_id, "ingest", started, exc)
            raise
        summary = {
            "feeds": {name: asdict(tally) for name, tally in sorted(result.feeds.items())},
            "unknown_folders": result.unknown_folders,
            "stray_entries": result.stray_entries,
            "missing_feeds": result.missing_feeds,
            "rows_quarantined": result.rows_quarantined,
            "files_rejected": result.files_rejected,
            "review_outcomes": reviewed,
        }
        _record_run(
            warehouse,
            run_id,
            "ingest",
            started,
            "success",
            f"files rejected {result.files_rejected}, rows quarantined {result.rows_quarantined}",
        )
    return summary


def _record_failure(warehouse: Path, run_id: str, step: str, started, exc: BaseException) -> None:
    """A failed step's row in audit.pipeline_runs, if the warehouse can be written at all."""
    why = str(exc).splitlines()[0] if str(exc) else ""
    try:
        _record_run(warehouse, run_id, step, started, "failed", f"{type(exc).__name__}: {why}")
    except Exception:  # noqa: BLE001 - the original error is the one to report
        pass


def _stops(stopped_feeds, stopped_models) -> list[str]:
    selectors = [f"source:raw.{feed}+" for feed in stopped_feeds]
    selectors += [f"{model}+" for model in stopped_models]
    return selectors


def transform_step(
    warehouse: Path | None = None,
    run_id: str | None = None,
    phase: str = "all",
    stopped_feeds: list[str] | tuple = (),
    stopped_models: list[str] | tuple = (),
    full_refresh: bool = False,
) -> dict:
    """`dbt build` (models and their data tests) in one child process: the one writer.

    phase "staging" builds staging only (so its gates can run), "marts" the rest; models
    downstream of a feed or model whose quality gate failed are left out. The build is kept
    whole, by one checkpoint, only when dbt succeeds (dacall.whole_build): a killed or failed
    build changes nothing. dbt's unit tests are not part of a run: they check the SQL against
    fixed inputs, not the night's data, so they run in the test suite (`test_transform.py`), as
    dbt advises.

    The incremental models read only what is new; they are rebuilt from scratch when
    `full_refresh` is given or when the code or configuration changed since this phase was
    last built whole (dacall.model_fingerprint).
    """
    from dacall import linkage_pairs, model_fingerprint
    from dacall.transform import column_rule_tests, dbt_target, name_broken_column_rules, run_dbt
    from dacall.warehouse import owner_only
    from dacall.whole_build import build_whole

    warehouse = paths.warehouse_or_configured(warehouse)
    started = _now()
    args = ["build", "--exclude-resource-type", "unit_test"]
    if phase == "staging":
        # Tests that also read a later model (a status checked against its seed) wait for the
        # marts phase: "buildable" runs a test only once everything it reads is built.
        args += ["--select", "path:models/staging", "path:seeds"]
        args += ["--indirect-selection", "buildable"]
    excludes = _stops(stopped_feeds, stopped_models)
    if phase == "marts":
        excludes += ["path:models/staging", "path:seeds"]
    # A model's column tests of these kinds run as its one column_rules test: each alone is a
    # node of dbt's own work (60-90 ms) around a query of milliseconds.
    column_tests = [f"test_name:{kind}" for kind in column_rule_tests()]
    args += ["--exclude", *excludes, *column_tests]
    stopped = _stops(stopped_feeds, stopped_models)
    phases = ["staging", "marts"] if phase == "all" else [phase]
    fingerprint = model_fingerprint.current()
    with owner_only(), build_whole(warehouse) as build:
        changed = model_fingerprint.changed_since_last_build(build.path, phases, fingerprint)
        full_refresh = full_refresh or changed
        if full_refresh and "marts" in phases:
            # From scratch means the linkage compares every pair again too.
            linkage_pairs.forget(paths.state(warehouse))
        refresh = ["--full-refresh"] if full_refresh else []
        result = run_dbt(
            args + refresh,
            build.path,
            target_path=dbt_target(warehouse),
            # dbt's own parse of what changed can miss a change (dacall.transform.parse_request).
            parse_from_scratch=changed,
            keep=build.keep_request(),
        )
        if not result.success:
            name_broken_column_rules(result, build.path)
        else:
            build.replace_warehouse()
            if not stopped:  # a stopped model was not rebuilt: the next build rebuilds it
                # After the build is kept: a kill in between costs the next run a full build.
                model_fingerprint.record(warehouse, phases, fingerprint)
    summary = {
        "phase": phase,
        "full_refresh": full_refresh,
        "success": result.success,
        "statuses": dict(result.statuses),
        "failures": result.failures,
        "excluded": excludes,
        "stopped": stopped,
        "models": [
            {k: node[k] for k in ("name", "status", "seconds")}
            for node in result.nodes
            if node["type"] == "model"
        ],
    }
    status = "failed" if not result.success else "partial" if stopped else "success"
    detail = (["built from scratch"] if full_refresh else []) + (
        result.failures or [f"not built: downstream of {s}" for s in stopped]
    )
    _record_run(
        warehouse,
        run_id or str(uuid.uuid4()),
        f"transform:{phase}",
        started,
        status,
        "; ".join(detail),
    )
    if not result.success:
        raise UserError(
            f"dbt build failed: {len(result.failures)} node(s) failed; first: "
            f"{result.failures[0] if result.failures else 'see the dbt log beside the warehouse'}"
        )
    return summary


def _validate(
    warehouse: Path, run_id: str, work, reports: Path | None, step: str, data_docs: bool
) -> list:
    """Run the suites of step `step` on the warehouse; their results and Data Docs go to the
    reports folder of that warehouse, readable only by its owner. Without `data_docs` the
    pages are left to data_docs_step, once for a whole run."""
    from dacall.validation.run import Validator
    from dacall.warehouse import connect, owner_only

    with owner_only():
        con = connect(warehouse)
        try:
            validator = Validator(con, run_id, reports or paths.reports_for(warehouse))
            verdicts = work(validator)
            fault_point(f"{step}:recorded")  # its results are in, its Data Docs not yet built
            if data_docs:
                validator.build_docs()
            return verdicts
        finally:
            con.close()


def gate_step(
    warehouse: Path | None = None,
    run_id: str | None = None,
    up_to: date | None = None,
    reports: Path | None = None,
    full_refresh: bool = False,
    data_docs: bool = True,
) -> dict:
    """Quality gates on the raw feeds (and freshness): which feeds must not flow on. They gate
    the files not gated yet; `full_refresh` gates every row again."""
    from dacall.alerts import alert
    from dacall.config_schema import validate_all
    from dacall.validation.run import freshness, raw_gates

    validate_all()  # the transform reads the vocabulary and address words inside dbt
    warehouse = paths.warehouse_or_configured(warehouse)
    run_id = run_id or str(uuid.uuid4())
    gates, fresh = _validate(
        warehouse,
        run_id,
        lambda v: (raw_gates(v, everything=full_refresh), freshness(v, up_to)),
        reports,
        "raw_gates",
        data_docs,
    )
    stopped = sorted(v.target.removeprefix("raw.") for v in gates if not v.success)
    lines = [v.line() for v in gates + fresh]
    failed = [v.line() for v in gates + fresh if not v.success]
    if failed:
        alert(f"{len(failed)} quality gate(s) failed", failed, wait=False)
    return {"verdicts": lines, "stopped_feeds": stopped}


def staging_gate_step(
    warehouse: Path | None = None,
    run_id: str | None = None,
    reports: Path | None = None,
    data_docs: bool = True,
) -> dict:
    from dacall.alerts import alert
    from dacall.validation.run import staging_gates

    warehouse = paths.warehouse_or_configured(warehouse)
    verdicts = _validate(
        warehouse,
        run_id or str(uuid.uuid4()),
        staging_gates,
        reports,
        "staging_gates",
        data_docs,
    )
    stopped = sorted(v.target.removeprefix("staging.") for v in verdicts if not v.success)
    failed = [v.line() for v in verdicts if not v.success]
    if failed:
        alert(f"{len(failed)} staging gate(s) failed", failed, wait=False)
    return {"verdicts": [v.line() for v in verdicts], "stopped_models": stopped}


def compliance_step(
    warehouse: Path | None = None,
    run_id: str | None = None,
    reports: Path | None = None,
    full_refresh: bool = False,
    data_docs: bool = True,
) -> dict:
    """The compliance suite: a failure is a finding to report, not a reason to stop. It
    validates the claims that are new or changed since it last ran; `full_refresh`, every
    claim."""
    from dacall.alerts import alert
    from dacall.validation.run import compliance

    warehouse = paths.warehouse_or_configured(warehouse)
    (verdict,) = _validate(
        warehouse,
        run_id or str(uuid.uuid4()),
        lambda validator: [compliance(validator, everything=full_refresh)],
        reports,
        "compliance",
        data_docs,
    )
    exceptions = len(verdict.unexpected_rows)
    if exceptions:
        alert(
            "checks logged without a matching audit entry",
            [
                f"compliance_check_reconciliation: {exceptions:,} new or changed claim(s) "
                "without a matching audit entry; see the exception list and Data Docs"
            ],
            wait=False,
        )
    return {"verdicts": [verdict.line()], "exceptions": exceptions}


def data_docs_step(warehouse: Path | None = None, reports: Path | None = None) -> None:
    """The Data Docs of a run whose validating steps left them (dacall.steps.run_steps)."""
    from dacall.validation.run import build_run_data_docs
    from dacall.warehouse import owner_only

    warehouse = paths.warehouse_or_configured(warehouse)
    with owner_only():
        build_run_data_docs(warehouse, Path(reports or paths.reports_for(warehouse)))


def summary(warehouse: Path | None = None) -> dict:
    """The headline counts `make demo` and `dacall run` end with."""
    from dacall.warehouse import connect

    con = connect(paths.warehouse_or_configured(warehouse), read_only=True)
    try:

        def scalar(sql: str):
            try:
                return con.execute(sql).fetchone()[0]
            except Exception:  # noqa: BLE001 - a step that has not run yet
                return None

        feeds = con.execute(
            "select feed, sum(rows_loaded), sum(rows_quarantined), count(*) from ("
            "  select * from audit.files_loaded qualify row_number() over ("
            "    partition by feed, file_name order by delivery desc) = 1"
            ") group by feed order by feed"
        ).fetchall()
        return {
            "feeds": [
                {"feed": f, "rows_loaded": int(r), "rows_quarantined": int(q), "files": int(n)}
                for f, r, q, n in feeds
            ],
            "incidents": scalar("select count(*) from marts.fct_incidents"),
            "domestic_incidents": scalar(
                "select count(*) from marts.fct_incidents where is_domestic"
            ),
            "claims": scalar("select count(*) from marts.fct_check_reconciliation"),
            "claims_with_matching_audit": scalar(
                "select count(*) from marts.fct_check_reconciliation where has_matching_audit"
            ),
            "exceptions": scalar(
                "select count(*) from marts.fct_check_reconciliation where not has_matching_audit"
            ),
            "statuses": dict(
                con.execute(
                    "select status, count(*) from marts.fct_check_reconciliation group by 1 "
                    "order by 2 desc"
                ).fetchall()
            )
            if scalar("select count(*) from marts.fct_check_reconciliation") is not None
            else {},
            "missed_history_incidents": scalar(
                "select count(*) from marts.fct_prior_history where missed_history"
            ),
            "validation": _latest_verdicts(con),
            "marts_run": _marts_run(con),
        }
    finally:
        con.close()


def _marts_run(con) -> dict:
    """Which runs the marts' figures come from: the latest that built them all, and a later
    one that built them only in part (a gate stopped the rest), with what it left out."""
    found: dict = {"complete": None, "partial": None}
    try:
        rows = con.execute(
            "select status, arg_max(run_id, finished_at), max(finished_at), "
            "arg_max(detail, finished_at) from audit.pipeline_runs "
            "where step = 'transform:marts' and status in ('success', 'partial') group by status"
        ).fetchall()
    except Exception:  # noqa: BLE001 - no run recorded yet
        return found
    for status, run_id, finished, detail in rows:
        found["complete" if status == "success" else "partial"] = {
            "run_id": run_id,
            "finished_at": finished,
            "detail": detail or "",
        }
    complete, partial = found["complete"], found["partial"]
    if partial and complete and partial["finished_at"] < complete["finished_at"]:
        found["partial"] = None
    for run in found.values():
        if run:
            run["finished_at"] = run["finished_at"].strftime("%Y-%m-%d %H:%M:%S")
    return found


def _latest_verdicts(con) -> list[str]:
    """One line per suite and target from the latest validation of each."""
    try:
        rows = con.execute(
            """
            with latest as (
                select suite, target, max(validated_at) as at
                from audit.validation_results group by suite, target
            )
            select r.suite, r.target, bool_and(r.success), count(*),
                   sum(coalesce(r.unexpected_count, 0)) filter (where not r.success)
            from audit.validation_results r
            join latest l on r.suite = l.suite and r.target = l.target and r.validated_at = l.at
            group by r.suite, r.target order by r.suite, r.target
            """
        ).fetchall()
    except Exception:  # noqa: BLE001 - validation has not run on this warehouse yet
        return []
    passed = sum(1 for row in rows if row[2])
    lines = [f"{passed} of {len(rows)} suite validations passed"] if rows else []
    for suite, target, ok, _n, bad in rows:
        if not ok:
            lines.append(
                f"{suite} on {target}: FAIL" + (f" ({int(bad):,} unexpected)" if bad else "")
            )
    return lines


def report_step(
    warehouse: Path | None = None, run_id: str | None = None, reports: Path | None = None
) -> dict:
    """Publish: the marts' read-only snapshot, the dbt docs site, the HTML report and the
    exception list, into the reports folder of the warehouse."""
    from concurrent.futures import ThreadPoolExecutor

    from dacall import dbt_docs
    from dacall.report import prepare_report, write_report
    from dacall.review.snapshot import publish_snapshot
    from dacall.warehouse import owner_only

    warehouse = paths.warehouse_or_configured(warehouse)
    started = _now()
    with owner_only():
        # The report's charts are drawn (Python) while the snapshot is copied (DuckDB, which
        # lets go of the interpreter): both only read the warehouse, and the report is written
        # after the snapshot, as before.
        with ThreadPoolExecutor(max_workers=1) as drawing:
            prepared = drawing.submit(prepare_report, warehouse, run_id=run_id)
            snapshot, _tables = publish_snapshot(warehouse, run_id)
            fault_point("publish:snapshot")  # the review app's snapshot is new, the report is not
            report_ready = prepared.result()
        docs = dbt_docs.publish(warehouse)
        report = write_report(report_ready, warehouse, reports or paths.reports_for(warehouse))
    _record_run(
        warehouse,
        run_id or str(uuid.uuid4()),
        "report",
        started,
        "success",
        f"dbt docs {docs}",
    )
    return {
        "report": str(report),
        "exceptions": str(report.with_name("exceptions.csv")),
        "snapshot": str(snapshot),
    }


class PartialBuild(Exception):
    """A quality gate stopped part of the build: what was built is sound, the rest is stale."""


def stopped_parts(gates: dict, staging_gates: dict | None = None) -> list[str]:
    """What this run did not build, one line each, from the gates' verdicts."""
    lines = [
        f"the models downstream of raw.{feed} were not built (its quality gate failed)"
        for feed in gates.get("stopped_feeds", [])
    ]
    lines += [
        f"the models downstream of staging.{model} were not built (its quality gate failed)"
        for model in (staging_gates or {}).get("stopped_models", [])
    ]
    return lines


def mart_built(marts: dict, name: str) -> bool:
    return name in {m["name"] for m in marts["models"] if m["status"] == "success"}


def parse_for_builds(warehouse: Path) -> None:
    """Have the dbt server import dbt and parse the project, as the builds (through the
    warehouse's build name, dacall.whole_build) will need it, while the steps before them run.
    The caller holds the run lock: the parse writes dbt's record of it beside the warehouse.
    It is the parse the first build will ask for: from scratch where the project changed since
    the staging models were last built (transform_step), so a new warehouse's whole parse is
    made here, not in front of its first build."""
    import duckdb

    from dacall import dbt_server, model_fingerprint
    from dacall.transform import dbt_target, parse_request
    from dacall.whole_build import build_name

    warehouse = Path(warehouse)
    try:
        changed = not warehouse.exists() or model_fingerprint.changed_since_last_build(
            warehouse, ["staging"], model_fingerprint.current()
        )
    except (duckdb.Error, UserError):  # the first build reports what is wrong with it
        changed = True
    dbt_server.prepare(
        parse_request(
            build_name(warehouse), dbt_target(warehouse), from_scratch=changed, ahead=True
        )
    )


def run_pipeline(
    landing: Path,
    warehouse: Path,
    progress: Progress | None = None,
    reports: Path | None = None,
    full_refresh: bool = False,
) -> dict:
    """Everything `dacall run` does: every step of dacall.steps in order, as the DAGs run
    them. Its reports go to `reports`, by default the reports folder of the warehouse;
    `full_refresh` rebuilds the incremental models from scratch."""
    from dacall.steps import RunContext, new_run_id, run_steps, stopped

    run_id = new_run_id()
    reports = Path(reports or paths.reports_for(warehouse))
    context = RunContext(
        run_id, landing, warehouse, reports, progress=progress, full_refresh=full_refresh
    )
    results = run_steps(context)
    staging, marts, compliance = (
        results[s] for s in ("build_staging", "build_marts", "compliance")
    )
    gates, staging_gates = results["raw_gates"], results["staging_gates"]
    statuses: dict[str, int] = {}
    for phase in (staging, marts):
        for key, value in phase["statuses"].items():
            statuses[key] = statuses.get(key, 0) + value
    what_stopped = stopped(results)
    return {
        "run_id": run_id,
        "ingest": results["ingest"],
        "transform": {
            "statuses": statuses,
            "excluded": marts["excluded"],
            "full_refresh": staging["full_refresh"] or marts["full_refresh"],
        },
        "validation": gates["verdicts"]
        + staging_gates["verdicts"]
        + (
            compliance["verdicts"]
            if compliance
            else ["compliance_check_reconciliation: not run (its mart was not built)"]
        ),
        "stopped_feeds": gates["stopped_feeds"],
        "stopped": what_stopped,
        "complete": not what_stopped,
        "exceptions": compliance["exceptions"] if compliance else None,
        "report": (results["publish"] or {}).get("report"),
        "reports": str(reports),
    }
