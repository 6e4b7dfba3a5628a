"""Fault injection: a full disk during a load, a kill between and inside files, a kill after
each step of `dacall run` and a second run racing into the gap between two steps, a day
delivered twice in one night, a partner file re-sent with rows removed. After each, the
warehouse is as before the fault or fully after it, never between; the next run completes; the
ledger balances (every raw row is in the ledger once, nothing loaded twice or lost)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ingest_in_child, live_processes, query
from dacall.faults import after_step
from dacall.pipeline import ingest_step
from dacall.steps import STEPS

DACALL = str(Path(sys.executable).with_name("dacall"))


def audit_rms(path: Path, first: int, rows: int) -> None:
    lines = ["AUDIT_ID,USER_ID,ACTION,TIMESTAMP,SEARCH_TEXT,RECORD_ID"]
    lines += [f"{n},S1,LOGIN,2025-07-09 14:10:15,," for n in range(first, first + rows)]
    path.write_text("\n".join(lines) + "\n")


def balances(warehouse: Path) -> None:
    """Every feed's raw rows are exactly those the latest delivery of each file loaded, and
    each file's rows read = loaded + quarantined."""
    for feed, ledger_rows in query(
        warehouse,
        "select feed, sum(rows_loaded) from (select * from audit.files_loaded "
        "qualify row_number() over (partition by feed, file_name order by delivery desc) = 1) "
        "group by feed",
    ):
        raw = query(warehouse, f"select count(*) from raw.{feed}")[0][0]
        assert raw == ledger_rows, feed
    assert query(
        warehouse,
        "select count(*) from audit.files_loaded where rows_read <> rows_loaded + rows_quarantined",
    ) == [(0,)]
    # No row of raw is there twice (a file loaded twice would double its lines).
    for (feed,) in query(warehouse, "select distinct feed from audit.files_loaded"):
        assert query(
            warehouse,
            f"select count(*) from (select _file, _line from raw.{feed} group by all "
            "having count(*) > 1)",
        ) == [(0,)], feed


def deliveries(warehouse: Path, files: str) -> list[tuple]:
    """(delivery, rows loaded) of each delivery of the files the condition `files` picks."""
    return query(
        warehouse,
        f"select delivery, rows_loaded from audit.files_loaded where {files} order by 1",
    )


def snapshot(warehouse: Path) -> tuple:
    return (
        query(warehouse, "select * from raw.audit_rms order by _file, _line"),
        query(
            warehouse,
            "select feed, file_name, sha256, rows_loaded, delivery, status "
            "from audit.files_loaded order by all",
        ),
    )


def in_child(landing: Path, warehouse: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DACALL, "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        env={**os.environ, "DACALL_INGEST_BATCH_ROWS": "100", **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def night_one(tmp_path):
    """A warehouse holding one loaded day, and the next day's file waiting in the landing."""
    landing = tmp_path / "landing"
    (landing / "audit_rms").mkdir(parents=True)
    audit_rms(landing / "audit_rms" / "audit_rms_20250709.csv", 0, 150)
    warehouse = tmp_path / "w.duckdb"
    ingest_step(landing, warehouse)
    audit_rms(landing / "audit_rms" / "audit_rms_20250710.csv", 1000, 450)
    return landing, warehouse


def test_a_full_disk_during_a_load_leaves_the_warehouse_as_before(night_one):
    landing, warehouse = night_one
    before = snapshot(warehouse)
    done = in_child(landing, warehouse, DACALL_TEST_ENOSPC_AFTER_BATCHES="2")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        "dacall: error: No space left on device: audit_rms_20250710.csv"
    )
    assert snapshot(warehouse) == before
    assert query(
        warehouse, "select step, status, detail from audit.pipeline_runs order by started_at"
    )[-1] == (
        "ingest",
        "failed",
        "OSError: [Errno 28] No space left on device: 'audit_rms_20250710.csv'",
    )
    # Space again: the next run loads the file, once.
    ingest_step(landing, warehouse)
    assert query(warehouse, "select count(*) from raw.audit_rms") == [(600,)]
    balances(warehouse)


@pytest.mark.parametrize("batches", ["1", "3", "5"])
def test_a_kill_inside_or_between_files_leaves_the_warehouse_as_before_or_after(night_one, batches):
    """5 batches in all: the kill lands inside the second file (1, 3) or at its very end (5),
    before its commit; the warehouse is never between."""
    landing, warehouse = night_one
    before = snapshot(warehouse)
    killed = ingest_in_child(
        landing, warehouse, DACALL_INGEST_BATCH_ROWS="100", DACALL_TEST_KILL_AFTER_BATCHES=batches
    )
    assert killed.returncode == -signal.SIGKILL
    assert snapshot(warehouse) == before
    ingest_step(landing, warehouse)
    assert query(warehouse, "select count(*) from raw.audit_rms") == [(600,)]
    balances(warehouse)


def test_a_day_delivered_twice_in_one_night_is_loaded_once_then_replaced(night_one):
    landing, warehouse = night_one
    ingest_step(landing, warehouse)
    # The same file copied in again (same bytes): nothing changes.
    before = snapshot(warehouse)
    shutil.copy(landing / "audit_rms" / "audit_rms_20250710.csv", landing / "audit_rms" / "x")
    (landing / "audit_rms" / "x").replace(landing / "audit_rms" / "audit_rms_20250710.csv")
    summary = ingest_step(landing, warehouse)
    assert summary["feeds"]["audit_rms"]["files_skipped"] == 2
    assert snapshot(warehouse) == before
    # A corrected delivery the same night: it replaces the first, whole.
    audit_rms(landing / "audit_rms" / "audit_rms_20250710.csv", 1000, 460)
    summary = ingest_step(landing, warehouse)
    assert summary["feeds"]["audit_rms"]["redeliveries"] == 1
    assert query(warehouse, "select count(*) from raw.audit_rms") == [(610,)]
    assert deliveries(warehouse, "file_name = 'audit_rms_20250710.csv'") == [(1, 450), (2, 460)]
    balances(warehouse)


def test_a_partner_file_resent_with_rows_removed_keeps_only_the_rows_sent(samples, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(samples, landing)
    warehouse = tmp_path / "w.duckdb"
    ingest_step(landing, warehouse)
    marac = landing / "partner_marac" / "partner_marac_202502.csv"
    lines = marac.read_bytes().split(b"\r\n")
    assert len([line for line in lines[1:] if line]) == 2
    marac.write_bytes(b"\r\n".join([lines[0], lines[1], b""]))
    ingest_step(landing, warehouse)
    assert query(warehouse, "select case_ref from raw.partner_marac") == [("M-2025-0031",)]
    assert deliveries(warehouse, "feed = 'partner_marac'") == [(1, 2), (2, 1)]
    balances(warehouse)


# --- a kill after and inside each step of `dacall run`, and a second run racing into a gap ------
#
# One chain of real runs on the spec's samples plus one new night (an incident, its log and its
# audit entry). The faults go in the order of the steps, each a kill inside a step or after it,
# and each run gets past the fault before it; the last run completes (with a second run started
# while it waits between two steps). "Before" is the samples' warehouse; "after" is the chain's
# end. Every layer is, after each kill, exactly one of the two: after for the layers of the steps
# the killed run finished, before for the rest.

STEP_NAMES = [step.name for step in STEPS]
# Where each step is killed inside: a fault point (dacall.faults) once its results are recorded,
# or, for a dbt build, "dbt:<model>" once dbt has committed that model (one the new night
# changes) in it. Inside a load is tested above, with the ledger.
INSIDE = {
    "raw_gates": "raw_gates:recorded",
    "build_staging": "dbt:stg_audit_rms",
    "staging_gates": "staging_gates:recorded",
    "build_marts": "dbt:int_log_entry_readings",
    "compliance": "compliance:recorded",
    "publish": "publish:snapshot",
}
# (fault, the step it is in or after, how many steps the killed run finished)
FAULTS = [
    fault
    for n, step in enumerate(STEP_NAMES)
    for fault in [(INSIDE.get(step), step, n), (after_step(step), step, n + 1)]
    if fault[0] and fault[0] != after_step(STEP_NAMES[-1])  # after the last step: no gap
]
LAYER_OF_STEP = {"ingest": "raw", "build_staging": "staging", "build_marts": "marts"}
RECORDED_AS = {"ingest": "ingest", "build_staging": "transform:staging"}
RECORDED_AS["build_marts"] = "transform:marts"
LOAD_TIMES = {"_loaded_at", "loaded_at", "quarantined_at"}


def _new_night(landing: Path) -> None:
    """The samples' 9 July again as 10 July: one more incident, its log and its audit entry."""
    for feed, suffix in (("cc_incidents", "csv"), ("cc_log", "csv"), ("audit_rms", "csv")):
        data = (landing / feed / f"{feed}_20250709.{suffix}").read_bytes()
        for old, new in (
            (b"HC-250709-", b"HC-250710-"),
            (b"09/07/2025", b"10/07/2025"),
            (b"2025-07-09", b"2025-07-10"),
            (b"5690417", b"5690418"),
        ):
            data = data.replace(old, new)
        (landing / feed / f"{feed}_20250710.{suffix}").write_bytes(data)


def _layers(warehouse: Path) -> dict[str, dict[str, list]]:
    """Every table and view of each layer, as sorted rows without the load times; the raw
    layer includes the ledger (audit.files_loaded, audit.quarantine)."""
    found: dict[str, dict[str, list]] = {"raw": {}, "staging": {}, "marts": {}}
    schemas = {"raw": "raw", "audit": "raw", "staging": "staging"}
    for schema, table in query(
        warehouse,
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('raw', 'staging', 'intermediate', 'marts') "
        "or (table_schema = 'audit' and table_name in ('files_loaded', 'quarantine'))",
    ):
        columns = [
            c
            for (c,) in query(
                warehouse,
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            )
            if c not in LOAD_TIMES
        ]
        rows = query(warehouse, f'select {", ".join(columns)} from "{schema}"."{table}"')
        found[schemas.get(schema, "marts")][f"{schema}.{table}"] = sorted(map(repr, rows))
    return found


def _run(landing: Path, warehouse: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [DACALL, "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 600
    while not path.exists():
        assert process.poll() is None, process.communicate()[1][-3000:]
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.1)


def _kill_once_built(landing: Path, warehouse: Path, model: str) -> subprocess.Popen:
    """A run killed (the dacall process only) once dbt has committed `model` in its build."""
    log = warehouse.parent / "state" / "dbt_target" / "logs" / "dbt.log"
    seen = log.stat().st_size if log.exists() else 0
    run = _run(landing, warehouse, DBT_LOG_LEVEL_FILE="debug")  # the marker below is debug's
    deadline = time.monotonic() + 600
    marker = f"Finished running node model.dacall.{model}"
    while not (log.exists() and marker in log.read_text(errors="replace")[seen:]):
        assert run.poll() is None, run.communicate()[1][-3000:]
        assert time.monotonic() < deadline, f"{model} was never built"
        time.sleep(0.05)
    run.kill()
    return run


def _dbt_left_running(warehouse: Path) -> list[int]:
    """dbt processes still building for this warehouse (dbt works in the warehouse's folder or
    in its build folder, under it), waiting up to ten seconds for the kernel to end them."""
    folder = warehouse.parent.resolve()

    def building(process: Path) -> bool:
        working = Path(os.readlink(process / "cwd").removesuffix(" (deleted)"))
        return working == folder or folder in working.parents

    for _ in range(100):
        left = live_processes(building)
        if not left:
            return []
        time.sleep(0.1)
    return left


def _until_let_go(warehouse: Path) -> None:
    """Wait (up to ten seconds) until the warehouse can be read: a killed dbt's threads end a
    moment after the process is reported dead, and its lock on the file goes with the last. dbt
    writes the warehouse by a second name of its file (dacall.whole_build), so the lock is on
    the warehouse itself."""
    import duckdb

    for _ in range(100):
        try:
            duckdb.connect(str(warehouse), read_only=True).close()
            return
        except duckdb.IOException:
            time.sleep(0.1)


def _results_without_pages(reports: Path) -> set[Path]:
    """The GX results stored under a reports folder whose Data Docs page was never built."""
    stored, pages = reports / "gx_validations", reports / "data_docs" / "validations"
    results = {result.relative_to(stored) for result in stored.rglob("*.json")}
    return {result for result in results if not (pages / result).with_suffix(".html").exists()}


@pytest.fixture(scope="module")
def killed_after_and_inside_each_step(sample_warehouse, samples, tmp_path_factory):
    root = tmp_path_factory.mktemp("kills")
    landing = shutil.copytree(samples, root / "landing")
    _new_night(landing)
    folder = shutil.copytree(sample_warehouse.parent, root / "warehouse")
    warehouse = folder / sample_warehouse.name
    report = folder / "reports" / "report.html"
    before = {
        "layers": _layers(warehouse),
        "report": report.read_bytes(),
        # The shared samples' warehouse holds a run, or more where a test reran it before.
        "runs": query(warehouse, "select count(distinct run_id) from audit.pipeline_runs"),
    }
    kills = {}
    for point, _step, _finished in FAULTS:
        if point.startswith("dbt:"):
            killed = _kill_once_built(landing, warehouse, point.removeprefix("dbt:"))
        else:
            killed = _run(landing, warehouse, DACALL_TEST_KILL_AT=point)
        killed.communicate()
        dbt_left_running = _dbt_left_running(warehouse)
        _until_let_go(warehouse)
        kills[point] = {
            "returncode": killed.returncode,
            "dbt_left_running": dbt_left_running,
            "build_left": (folder / ".building").exists(),
            "layers": _layers(warehouse),
            "report": report.read_bytes(),
            "results_without_pages": len(_results_without_pages(folder / "reports")),
            "steps": query(
                warehouse,
                "select step, status from audit.pipeline_runs where run_id = "
                "(select arg_max(run_id, started_at) from audit.pipeline_runs) order by started_at",
            ),
        }
        balances(warehouse)
    # The last run, held between two steps while a second run is started.
    go = root / "go"
    last = _run(
        landing,
        warehouse,
        DACALL_TEST_PAUSE_AT=after_step("build_staging"),
        DACALL_TEST_PAUSE_FILE=str(go),
    )
    _wait_for(go.with_name("go.waiting"), last)
    started = time.monotonic()
    second = subprocess.run(
        [DACALL, "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        check=False,
    )
    second_seconds = time.monotonic() - started
    go.touch()
    out, err = last.communicate()
    return {
        "warehouse": warehouse,
        "before": before,
        "kills": kills,
        "after": {
            "layers": _layers(warehouse),
            "report": report.read_bytes(),
            "results_without_pages": len(_results_without_pages(folder / "reports")),
        },
        "last": (last.returncode, out, err),
        "second": second,
        "second_seconds": second_seconds,
    }


@pytest.mark.parametrize(("point", "step", "finished"), FAULTS, ids=[f[0] for f in FAULTS])
def test_a_kill_after_or_inside_each_step_leaves_each_layer_as_before_or_fully_after(
    killed_after_and_inside_each_step, point, step, finished
):
    chain = killed_after_and_inside_each_step
    before, after, killed = chain["before"], chain["after"], chain["kills"][point]
    assert killed["returncode"] == -signal.SIGKILL
    done = STEP_NAMES[:finished]
    rewritten = {LAYER_OF_STEP[name] for name in done if name in LAYER_OF_STEP}
    for layer in ("raw", "staging", "marts"):
        # The new night changes every layer: "as before" and "after" can be told apart.
        assert before["layers"][layer] != after["layers"][layer], layer
        expected = after if layer in rewritten else before
        assert killed["layers"][layer] == expected["layers"][layer], (point, layer)
    # The report is published by the last step only: until then it is the previous run's.
    assert killed["report"] == before["report"]
    # The killed run recorded each step it finished, as a success, and nothing after.
    assert killed["steps"] == [(RECORDED_AS[s], "success") for s in done if s in RECORDED_AS]
    # dbt died with the run; a build killed inside left only its log, cleared by the next.
    assert killed["dbt_left_running"] == []
    assert killed["build_left"] == point.startswith("dbt:")


def test_the_run_after_the_kills_completes_and_the_ledger_balances(
    killed_after_and_inside_each_step,
):
    chain = killed_after_and_inside_each_step
    returncode, out, err = chain["last"]
    assert returncode == 0, out[-2000:] + err[-3000:]
    assert chain["after"]["report"] != chain["before"]["report"]
    warehouse = chain["warehouse"]
    balances(warehouse)
    assert not (warehouse.parent / ".building").exists()
    assert query(warehouse, "select count(*) from marts.fct_incidents") == [(4,)]
    assert query(
        warehouse, "select count(*) from raw.audit_rms where _file = 'audit_rms_20250710.csv'"
    ) == [(1,)]
    # `dacall run` builds its Data Docs once, after its last step: a run killed before then
    # left results without pages, and the next run built them.
    assert max(kill["results_without_pages"] for kill in chain["kills"].values()) >= 10
    assert chain["after"]["results_without_pages"] == 0


def test_a_second_run_in_the_gap_between_steps_is_refused_in_one_line(
    killed_after_and_inside_each_step,
):
    chain = killed_after_and_inside_each_step
    second = chain["second"]
    assert second.returncode == 2, second.stdout[-2000:] + second.stderr[-2000:]
    assert "Traceback" not in second.stderr
    [line] = second.stderr.splitlines()
    assert line.startswith(
        f"dacall: error: another run is using the warehouse {chain['warehouse']}"
    )
    assert "this run did nothing" in line and "process" in line
    assert chain["second_seconds"] < 30  # refused at once, not after a build
    # It did nothing: the runs recorded are the samples' runs, the killed runs and the last.
    [(runs_before,)] = chain["before"]["runs"]
    assert query(chain["warehouse"], "select count(distinct run_id) from audit.pipeline_runs") == [
        (runs_before + len(FAULTS) + 1,)
    ]
