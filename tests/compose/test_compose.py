"""Scheduled operation end to end, as a force runs it: docker compose, the real scheduler
(LocalExecutor, PostgreSQL metadata), feeds landing one night at a time.

The tests run in order and share one stack; each step's outcome is read through Airflow's REST
API and from the data volumes themselves. Run with `make compose-test`.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import time
from datetime import date, datetime, timedelta

import pytest
from compose_stack import running_stack  # noqa: F401 - the fixture `stack`, started once

from dacall.generate import generate
from dacall.schedule import schedule

pytestmark = pytest.mark.compose

FIRST_DAY, DAYS = date(2025, 3, 25), 7
NIGHTS = [FIRST_DAY + timedelta(days=n + 1) for n in range(DAYS)]  # each loads the day before
CORRECTED_NIGHT = 5  # the file of that night's business day is re-sent corrected before the next
KILL_NIGHT = 6  # the scheduler is killed while that night's transform runs
MARKER = "CORRECTED BY THE CONTROL ROOM"
REPORT = {}  # figures for the closing summary, printed by the last test


@pytest.fixture(scope="module")
def feeds(tmp_path_factory):
    out = tmp_path_factory.mktemp("feeds")
    generate(out, start=FIRST_DAY, days=DAYS, scale=0.2, seed=5)
    with (out / "truth" / "deliveries.csv").open() as handle:
        deliveries = list(csv.DictReader(handle))
    return out, deliveries


def nightly(night: date) -> str:
    """The logical date of a night's scheduled run, as the scheduler would give it."""
    calendar = schedule()
    return datetime.combine(night, calendar.nightly_at, calendar.timezone).isoformat()


DELIVERED: set[tuple[str, str]] = set()  # (file, delivery) already in the landing folder


def land_until(stack, feeds, night: date) -> list[str]:
    """Put in the landing folder every delivery made by `night` that is not there yet (the
    partners' monthly files, due a few days after the month, arrive with the last night here)."""
    out, deliveries = feeds
    landed = []
    for row in sorted(deliveries, key=lambda r: (r["file"], int(r["delivery"]))):
        due = date.fromisoformat(row["delivered_on"])
        if row["feed"].startswith("partner_"):
            due = min(due, NIGHTS[-1])
        if due > night or (row["file"], row["delivery"]) in DELIVERED:
            continue
        is_final = not any(
            r["file"] == row["file"] and int(r["delivery"]) > int(row["delivery"])
            for r in deliveries
        )
        source = (out / "landing" if is_final else out / "deliveries" / "first") / row["feed"]
        target = stack.landing / row["feed"] / row["file"]
        target.parent.mkdir(mode=0o755, exist_ok=True)
        shutil.copyfile(source / row["file"], target)
        target.chmod(0o644)
        DELIVERED.add((row["file"], row["delivery"]))
        landed.append(row["file"])
    return landed


def correct_cc_log(stack, business_day: date) -> tuple[str, str]:
    """Re-send one day's C&C log with one entry's text corrected; returns its (URN, SEQ)."""
    path = stack.landing / "cc_log" / f"cc_log_{business_day:%Y%m%d}.csv"
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("cp1252"), newline="")))
    rows[1][5] = f"{MARKER}: {rows[1][5]}"[:400]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("cp1252"))
    return rows[1][0], rows[1][1]


def test_every_service_becomes_healthy(stack):
    REPORT["build"] = f"images built in {stack.build_seconds} s"
    REPORT["up"] = f"all services healthy {stack.up_seconds} s after `up -d`: {stack.healthy_after}"
    health = stack.api("GET", "/api/v2/monitor/health")
    for component in ("metadatabase", "scheduler", "triggerer", "dag_processor"):
        assert health[component]["status"] == "healthy", health
    dags = {d["dag_id"] for d in stack.api("GET", "/api/v2/dags")["dags"]}
    assert dags == {"dacall_ingest", "dacall_transform", "dacall_extracts", "dacall_retention"}
    errors = stack.api("GET", "/api/v2/importErrors")
    assert errors["total_entries"] == 0, errors


def go_live(stack, feeds) -> str:
    """Switch the DAGs on as a force does on its go-live night, with the first night's feeds
    landed: the scheduler itself starts the latest nightly run (no catch-up), which loads them.
    Returns that run's id (or the one triggered if the scheduler started none)."""
    land_until(stack, feeds, NIGHTS[0])
    stack.api("PATCH", "/api/v2/dags/dacall_transform", {"is_paused": False})
    stack.api("PATCH", "/api/v2/dags/dacall_ingest", {"is_paused": False})
    started = time.monotonic()
    while time.monotonic() - started < 120:
        runs = stack.runs("dacall_ingest")
        if runs:
            return runs[0]["dag_run_id"]
        time.sleep(3)
    return stack.trigger("dacall_ingest", nightly(NIGHTS[0]))


def _kill_scheduler_during_transform(stack) -> dict:
    """Wait for a transform task to be running, kill the scheduler container (the task's
    worker dies with it), start it again."""
    started = time.monotonic()
    while time.monotonic() - started < 600:
        running = [r for r in stack.runs("dacall_transform") if r["state"] == "running"]
        for run in running:
            for ti in stack.task_instances("dacall_transform", run["dag_run_id"]):
                if ti["state"] == "running" and ti["task_id"].startswith("build_"):
                    container = stack.container("airflow-scheduler")
                    subprocess.run(["docker", "kill", container], check=True, capture_output=True)
                    time.sleep(5)
                    stack.compose("up", "-d", "airflow-scheduler")
                    return {"run_id": run["dag_run_id"], "task_id": ti["task_id"]}
        time.sleep(2)
    raise AssertionError("no transform task ran within 10 minutes of the ingest")


def test_seven_nights_under_the_scheduler(stack, feeds):
    REPORT["nights"] = []
    for number, night in enumerate(NIGHTS, 1):
        if number == 1:
            run_id, landed = go_live(stack, feeds), ["(go-live)"]
        else:
            landed = land_until(stack, feeds, night)
            run_id = stack.trigger("dacall_ingest", nightly(night))
        state = stack.wait_run("dacall_ingest", run_id)
        REPORT["nights"].append(f"night {night}: {len(landed)} file(s) landed, {run_id} {state}")
        assert state == "success", run_id
        if number == KILL_NIGHT:
            REPORT["killed"] = _kill_scheduler_during_transform(stack)
        if number == CORRECTED_NIGHT:
            # Before the next night, one file of the night's day is re-sent with a correction.
            REPORT["corrected"] = correct_cc_log(stack, night - timedelta(days=1))
    runs = stack.wait_idle("dacall_transform", timeout=1200)
    assert runs, "the raw asset started no transform"
    assert all(r["run_type"] == "asset_triggered" for r in runs)
    assert [r["state"] for r in runs].count("success") == len(runs), runs


def test_the_killed_task_was_retried_and_its_run_succeeded(stack):
    killed = REPORT["killed"]
    tries = {
        ti["task_id"]: ti["try_number"]
        for ti in stack.task_instances("dacall_transform", killed["run_id"])
    }
    assert stack.run_state("dacall_transform", killed["run_id"]) == "success"
    assert tries[killed["task_id"]] >= 2, tries
    REPORT["kill"] = (
        f"scheduler killed during {killed['task_id']} of {killed['run_id']}: "
        f"task succeeded on try {tries[killed['task_id']]}, run success"
    )


def test_the_corrected_file_replaced_its_rows(stack):
    day = NIGHTS[CORRECTED_NIGHT - 1] - timedelta(days=1)
    name = f"cc_log_{day:%Y%m%d}.csv"
    urn, seq = REPORT["corrected"]
    entry = stack.warehouse(
        "select text from raw.cc_log where _file = ? and urn = ? and seq = ?", [name, urn, seq]
    )
    assert len(entry) == 1 and entry[0][0].startswith(MARKER), entry  # the old row is gone
    [(marked, total)] = stack.warehouse(
        "select count(*) filter (where starts_with(text, ?)), count(*) from raw.cc_log"
        " where _file = ?",
        [MARKER, name],
    )
    assert marked == 1
    [(delivery,)] = stack.warehouse(
        f"select max(delivery) from audit.files_loaded where file_name = '{name}'"
    )
    assert delivery >= 2
    REPORT["redelivery"] = (
        f"{name} re-sent corrected: delivery {delivery}, {total} rows, old row gone"
    )


def _records(path) -> int:
    data = path.read_bytes()
    if path.suffix in (".txt", ".jsonl"):
        return sum(1 for line in data.splitlines() if line.strip())
    text = data.decode("cp1252", errors="replace")
    return sum(1 for _ in csv.reader(io.StringIO(text, newline=""))) - 1


def test_every_landed_row_is_in_the_warehouse_exactly_once(stack):
    landed = {
        path.name: (path.parent.name, _records(path))
        for path in stack.landing.rglob("*")
        if path.is_file()
    }
    ledger = {
        name: (feed, read, loaded, quarantined)
        for name, feed, read, loaded, quarantined in stack.warehouse(
            "select file_name, feed, rows_read, rows_loaded, rows_quarantined "
            "from audit.files_loaded qualify row_number() over "
            "(partition by feed, file_name order by delivery desc) = 1"
        )
    }
    assert set(ledger) == set(landed)
    in_raw = {}
    for feed in {feed for feed, _ in landed.values()}:
        for name, rows, distinct in stack.warehouse(
            f"select _file, count(*), count(distinct _line) from raw.{feed} group by _file"
        ):
            assert rows == distinct, f"{name}: a line loaded twice"
            in_raw[name] = rows
    for name, (_feed, records) in landed.items():
        _, read, loaded, quarantined = ledger[name]
        assert read == records == loaded + quarantined, name
        assert in_raw.get(name, 0) == loaded, name
    [(claims, statuses)] = stack.warehouse(
        "select count(*), count(distinct status) from marts.fct_check_reconciliation"
    )
    assert claims > 100 and statuses >= 4
    REPORT["warehouse"] = (
        f"{len(landed)} files, {sum(r for _, r in landed.values()):,} rows landed = loaded + "
        f"quarantined; {claims:,} claims in {statuses} statuses"
    )


def test_the_monthly_extracts_run_for_the_closed_month(stack):
    calendar = schedule()
    run_day = date(2025, 4, calendar.extracts_day)
    logical = datetime.combine(run_day, calendar.extracts_at, calendar.timezone).isoformat()
    # Switched on only now: the scheduler's own latest monthly run (of an empty month) must
    # not race the test's.
    stack.api("PATCH", "/api/v2/dags/dacall_extracts", {"is_paused": False})
    run_id = stack.trigger("dacall_extracts", logical)
    assert stack.wait_run("dacall_extracts", run_id) == "success"
    stack.wait_idle("dacall_extracts")
    manifests = stack.volume_python(
        "import json, pathlib\n"
        "found = {p.parent.parent.name: json.loads(p.read_text()) for p in "
        "pathlib.Path('/extracts').glob('*/2025-03/manifest.json')}\n"
        "print(json.dumps({k: [v['period'], v['rows']] for k, v in found.items()}))\n"
    )
    assert set(manifests) == {"home_office", "marac", "mash", "victim_support"}
    assert all(period == "2025-03" for period, _ in manifests.values())
    REPORT["extracts"] = f"extracts for 2025-03: {manifests}"


def test_every_run_succeeded_by_the_rest_api(stack):
    table = {}
    for dag_id in ("dacall_ingest", "dacall_transform", "dacall_extracts"):
        runs = stack.runs(dag_id)
        table[dag_id] = [(r["run_type"], r["state"]) for r in runs]
        assert runs and all(r["state"] == "success" for r in runs), runs
    REPORT["runs"] = {
        dag: f"{len(states)} runs, states {sorted({s for _, s in states})}"
        for dag, states in table.items()
    }


def test_down_and_up_keeps_the_data(stack):
    before = stack.warehouse("select count(*) from raw.cc_log")
    stack.compose("down")
    stack.compose("up", "-d")
    stack.wait_healthy()
    assert stack.warehouse("select count(*) from raw.cc_log") == before
    kept = stack.volume_python(
        "import pathlib, json\n"
        "print(json.dumps([pathlib.Path('/reports/report.html').is_file(),"
        " len(list(pathlib.Path('/extracts').glob('*/2025-03/manifest.json')))]))\n"
    )
    assert kept == [True, 4]
    assert len(stack.runs("dacall_ingest")) == len(NIGHTS)
    REPORT["restart"] = "down then up: warehouse, report, extracts and run history kept"
    print("\ncompose test:\n" + json.dumps(REPORT, indent=1, default=str))
