"""Fault injection: a full disk during a load, a kill between and inside files, a day delivered
twice in one night, a partner file re-sent with rows removed. After each, the warehouse is as
before the fault or fully after it, never between; the next run completes; the ledger balances
(every raw row is in the ledger once, nothing loaded twice or lost)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import query
from dacall.pipeline import ingest_step

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


def ingest_in_child(landing: Path, warehouse: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from dacall.pipeline import ingest_step; "
            "ingest_step(Path(sys.argv[1]), Path(sys.argv[2]))",
            str(landing),
            str(warehouse),
        ],
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
    killed = ingest_in_child(landing, warehouse, DACALL_TEST_KILL_AFTER_BATCHES=batches)
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
    assert query(
        warehouse,
        "select delivery, rows_loaded from audit.files_loaded "
        "where file_name = 'audit_rms_20250710.csv' order by 1",
    ) == [(1, 450), (2, 460)]
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
    assert query(
        warehouse,
        "select delivery, rows_loaded from audit.files_loaded where feed = 'partner_marac' "
        "order by 1",
    ) == [(1, 2), (2, 1)]
    balances(warehouse)
