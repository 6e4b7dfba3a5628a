"""Ingestion: every sample read exactly, broken files accounted for, loads exactly once."""

from __future__ import annotations

import csv
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TEST_DATA, ingest_in_child, query
from dacall.ingest.loader import ingest


def test_samples_load_with_their_exact_values(samples, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    result = ingest(samples, warehouse)
    assert result.rows_quarantined == 0 and result.files_rejected == 0
    # Windows-1252 decoded: the é of Chloé.
    assert query(
        warehouse, "select caller_name from raw.cc_incidents where urn = 'HC-250214-0412'"
    ) == [("HARGREAVES, Chloé",)]
    # A quoted log entry with a line break inside is one entry, kept whole.
    assert query(
        warehouse, "select text from raw.cc_log where urn = 'HC-250214-0412' and seq = '3'"
    ) == [("CB MADE TO CALLER - STATES NO POLICE REQUIRED.\nMALE WHISPERING IN BACKGROUND",)]
    assert query(warehouse, "select count(*) from raw.cc_log")[0][0] == 10
    # PND: an unknown extra key tolerated, kept in the raw JSON.
    rows = query(
        warehouse, "select event_id, search_kind, vrm, raw_json from raw.audit_pnd order by 1"
    )
    assert rows[1][:3] == ("pnd-7f3a2d", "vehicle", "HX19ABC")
    assert '"client": "mobile"' in rows[1][3]
    # PNC: fields cut at the specified columns.
    assert query(
        warehouse,
        "select pnc_user, date, time, txn, surname, forenames, dob, reason "
        "from raw.audit_pnc where txn_id = 'PNC000981301'",
    ) == [("HC10311A", "20250214", "230544", "QNAM", "WHITE", "DANIEL", "19840102", "01")]
    # MARAC: the byte-order mark is gone from the first column name and value.
    assert query(warehouse, "select case_ref from raw.partner_marac order by 1") == [
        ("M-2025-0031",),
        ("M-2025-0032",),
    ]
    # Every row read was loaded, per file, and the ledger says so.
    for feed, read, loaded, quarantined in query(
        warehouse, "select feed, rows_read, rows_loaded, rows_quarantined from audit.files_loaded"
    ):
        assert read == loaded + quarantined, feed


def test_broken_corpus_is_fully_accounted_for(tmp_path):
    landing = TEST_DATA / "broken_landing"
    warehouse = tmp_path / "w.duckdb"
    result = ingest(landing, warehouse)
    assert result.unknown_folders == ["not_a_feed"]
    expected = list(csv.DictReader((landing / "EXPECTED.csv").open()))
    ledger = {
        (feed, name): (status, read, loaded, quarantined, reason)
        for feed, name, status, read, loaded, quarantined, reason in query(
            warehouse,
            "select feed, file_name, status, rows_read, rows_loaded, rows_quarantined, reason "
            "from audit.files_loaded",
        )
    }
    assert len(ledger) == len(expected)
    for row in expected:
        status, read, loaded, quarantined, reason = ledger[(row["feed"], row["file_name"])]
        assert (status, read, loaded, quarantined) == (
            row["status"],
            int(row["rows_read"]),
            int(row["rows_loaded"]),
            int(row["rows_quarantined"]),
        ), row["file_name"]
        assert read == loaded + quarantined
        if row["reason_contains"]:
            assert row["reason_contains"] in reason
    # The quarantine holds exactly the rows the ledger says, with a reason for each.
    for feed, name, quarantined in query(
        warehouse,
        "select l.feed, l.file_name, l.rows_quarantined from audit.files_loaded l",
    ):
        held = query(
            warehouse,
            "select coalesce(sum(rows), 0), count(*) filter (where reason = '') "
            "from audit.quarantine where feed = ? and file_name = ?",
            [feed, name],
        )[0]
        assert held == (quarantined, 0), name
    # Row faults are reasons a person understands, and the good rows around them loaded.
    reasons = {r for (r,) in query(warehouse, "select reason from audit.quarantine")}
    assert "CREATED '31/02/2025 10:00:00' is not a valid DD/MM/YYYY HH:MM:SS" in reasons
    assert "SEQ 'TWO' is not a valid whole number" in reasons
    assert "short line: 50 characters, expected 96" in reasons
    assert any(r.startswith("byte 0x81") for r in reasons)
    assert any(r.startswith("broken JSON") for r in reasons)
    # Windows-1252 punctuation (bytes 0x80-0x9F) decoded, multi-line text kept whole.
    assert query(warehouse, "select text from raw.cc_log") == [
        ("CALLER SAID “HE’LL BE BACK” – OWES €200\nSECOND LINE",)
    ]


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_rerun_changes_nothing_and_redelivery_replaces(samples, tmp_path):
    landing = _copy(samples, tmp_path / "landing")
    warehouse = tmp_path / "w.duckdb"
    ingest(landing, warehouse)
    before = query(warehouse, "select count(*) from audit.files_loaded")[0][0]
    again = ingest(landing, warehouse)
    assert sum(t.files_skipped for t in again.feeds.values()) == before
    assert sum(t.files_loaded for t in again.feeds.values()) == 0
    assert query(warehouse, "select count(*) from audit.files_loaded")[0][0] == before

    # The RMS file comes again, corrected: one row changed, one added.
    path = landing / "audit_rms" / "audit_rms_20250214.csv"
    text = path.read_text().replace("22:41:30", "22:41:31")
    path.write_text(text + '5512004,S10311,SEARCH_PERSON,2025-02-14 23:00:00,"O\'NEILL, JADE",\n')
    result = ingest(landing, warehouse)
    assert result.feeds["audit_rms"].redeliveries == 1
    assert query(
        warehouse,
        "select count(*), max(timestamp) from raw.audit_rms where _file = 'audit_rms_20250214.csv'",
    ) == [(4, "2025-02-14 23:00:00")]
    assert query(
        warehouse, "select count(*) from raw.audit_rms where timestamp = '2025-02-14 22:41:30'"
    ) == [(0,)]
    assert query(
        warehouse,
        "select delivery, rows_loaded from audit.files_loaded where "
        "file_name = 'audit_rms_20250214.csv' order by delivery",
    ) == [(1, 3), (2, 4)]


def test_generated_redelivery_first_then_corrected(generated, tmp_path):
    """The generator's short first deliveries are replaced by their corrected versions."""
    firsts = sorted((generated / "deliveries" / "first").glob("*/*"))
    assert firsts, "the generator made no corrected redeliveries"
    first = firsts[0]
    feed = first.parent.name
    landing = tmp_path / "landing"
    (landing / feed).mkdir(parents=True)
    shutil.copy(first, landing / feed / first.name)
    warehouse = tmp_path / "w.duckdb"
    ingest(landing, warehouse)
    short = query(warehouse, f"select count(*) from raw.{feed}")[0][0]
    shutil.copy(generated / "landing" / feed / first.name, landing / feed / first.name)
    ingest(landing, warehouse)
    full = query(warehouse, f"select count(*) from raw.{feed}")[0][0]
    ledger = query(warehouse, "select delivery, rows_loaded from audit.files_loaded order by 1")
    assert full > short and ledger == [(1, short), (2, full)]


def test_a_killed_load_leaves_the_warehouse_as_it_was_and_the_next_run_completes(
    generated, tmp_path
):
    landing = tmp_path / "landing"
    (landing / "audit_rms").mkdir(parents=True)
    files = sorted((generated / "landing" / "audit_rms").glob("*.csv"))[:2]
    shutil.copy(files[0], landing / "audit_rms")
    warehouse = tmp_path / "w.duckdb"
    ingest(landing, warehouse)
    before = query(warehouse, "select count(*) from raw.audit_rms")[0][0]
    shutil.copy(files[1], landing / "audit_rms")
    killed = ingest_in_child(
        landing,
        warehouse,
        through="dacall.ingest.loader:ingest",
        DACALL_TEST_KILL_AFTER_BATCHES="2",
        DACALL_INGEST_BATCH_ROWS="100",
    )
    assert killed.returncode == -signal.SIGKILL
    assert query(warehouse, "select count(*) from raw.audit_rms")[0][0] == before
    assert query(warehouse, "select count(*) from audit.files_loaded")[0][0] == 1
    ingest(landing, warehouse)
    rows = query(warehouse, "select rows_loaded from audit.files_loaded order by file_name")
    assert len(rows) == 2
    assert query(warehouse, "select count(*) from raw.audit_rms")[0][0] == before + rows[1][0]


def test_run_reports_per_feed_and_strict_fails_on_quarantine(tmp_path):
    landing = _copy(TEST_DATA / "broken_landing", tmp_path / "landing")
    for name in ["cc_incidents", "not_a_feed"]:
        shutil.rmtree(landing / name)
    dacall = Path(sys.executable).with_name("dacall")
    ok = subprocess.run(
        [dacall, "run", "--landing", landing, "--warehouse", tmp_path / "w.duckdb"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "audit_pnc        files loaded    1" in ok.stdout
    assert "quarantined      2" in ok.stdout
    strict = subprocess.run(
        [dacall, "run", "--landing", landing, "--warehouse", tmp_path / "w2.duckdb", "--strict"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert strict.returncode == 1
    assert "--strict" in strict.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--landing", "/nonexistent/landing"], "landing folder not found"),
        (
            ["run", "--landing", "{samples}", "--warehouse", "/proc/forbidden/w.duckdb"],
            "cannot create the warehouse folder",
        ),
        (["generate", "--out", "/tmp/x", "--start", "2025-02-31"], "not a date"),
    ],
)
def test_user_mistakes_are_one_line_errors(args, message, samples):
    dacall = Path(sys.executable).with_name("dacall")
    args = [a.replace("{samples}", str(samples)) for a in args]
    result = subprocess.run([dacall, *args], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, result.stderr
    assert message in errors[0]
    assert "Traceback" not in result.stderr
