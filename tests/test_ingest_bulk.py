"""The bulk path of ingestion loads exactly what the record-by-record readers load."""

from __future__ import annotations

import random
import shutil

import duckdb
import pytest

from conftest import TEST_DATA, query
from dacall.ingest import bulk, loader
from dacall.ingest.feeds import CHECKS, load_feeds

# Per check kind: values on both sides of each rule (shape, real date, real time, the 1850
# floor, ASCII digits, surrounding space).
VALUES = {
    "ts_dmy": [
        "14/02/2025 23:05:44", "29/02/2024 00:00:00", "29/02/2025 10:00:00", "31/04/2025 10:00:00",
        "14/02/2025 24:00:00", "14/02/2025 23:60:00", "14/02/2025 23:59:60", "01/01/1849 10:00:00",
        "01/01/1850 00:00:00", "1/2/2025 10:00:00", "14/02/2025 23:05", " 14/02/2025 23:05:44",
        "14/02/2025T23:05:44", "١٤/02/2025 23:05:44", "00/01/2025 10:00:00", "14/13/2025 10:00:00",
    ],
    "date_dmy": ["02/01/1984", "29/02/2023", "29/02/2000", "31/12/9999", "02/01/84", "2/1/1984",
                 "02-01-1984", "02/01/1984 ", "00/00/0000"],
    "ts_iso": ["2025-02-14 23:05:44", "2025-02-30 10:00:00", "2025-02-14 25:00:00",
               "2025-02-14T23:05:44", "1700-01-01 00:00:00", "2025-2-14 23:05:44"],
    "date_iso": ["1984-01-02", "1984-02-30", "1984-1-2", "0000-01-01", "1984-01-02x", ""],
    "ts_utc_z": ["2025-02-14T23:05:44Z", "2025-02-14T23:05:44.123Z", "2025-02-14T23:05:44.1234567Z",
                 "2025-02-14T23:05:44", "2025-02-30T23:05:44Z", "2025-02-14T24:00:00Z",
                 "2025-02-14 23:05:44Z", "2025-02-14T23:05:44.Z"],
    "date8": ["19840102", "19840230", "1984012", "18491231", "2025O101", "٢٠٢٥0101"],
    "time6": ["230544", "240000", "236000", "235960", "23054", "2305440", "000000"],
    "int": ["3", "-3", "03", "3.0", "+3", " 3", "", "٣", "12345678901234567890"],
}  # fmt: skip


def _param_count(sql: str) -> int:
    return sql.count("{v}")


def _run_sql_check(con, kind: str, value: str) -> bool:
    sql = bulk.CHECK_SQL[kind]
    return bool(con.execute(f"select {sql.replace('{v}', '?')}", [value] * _param_count(sql))
                .fetchall()[0][0])  # fmt: skip


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_sql_checks_never_pass_a_value_python_rejects(kind):
    python_check, _ = CHECKS[kind]
    con = duckdb.connect()
    for value in (v for v in VALUES[kind] if v):
        sql_ok = _run_sql_check(con, kind, value)
        assert not (sql_ok and not python_check(value)), (kind, value)
        if value.isascii():
            assert sql_ok == python_check(value), (kind, value)


def _raw(warehouse, feed):
    return query(warehouse, f"select * exclude (_loaded_at) from raw.{feed} order by _file, _line")


def load_both_ways(landing, tmp_path, monkeypatch) -> tuple:
    """Two warehouses from one landing: the bulk path where it can, then the readers alone
    (the bulk parser patched to give every file up)."""
    fast = tmp_path / "fast.duckdb"
    loader.ingest(landing, fast)
    monkeypatch.setattr(loader.bulk, "parse", lambda feed, data: None)
    slow = tmp_path / "slow.duckdb"
    loader.ingest(landing, slow)
    return fast, slow


def test_bulk_and_record_by_record_load_the_same_rows(generated, tmp_path, monkeypatch):
    bulk_warehouse, slow_warehouse = load_both_ways(generated / "landing", tmp_path, monkeypatch)
    for feed in load_feeds():
        rows = _raw(bulk_warehouse, feed)
        assert rows, feed
        assert rows == _raw(slow_warehouse, feed), feed
    ledger = "select * exclude (loaded_at) from audit.files_loaded order by all"
    assert query(bulk_warehouse, ledger) == query(slow_warehouse, ledger)


def test_a_bad_value_sends_its_file_record_by_record_and_only_that_row_is_quarantined(
    samples, tmp_path
):
    landing = tmp_path / "landing"
    shutil.copytree(samples, landing)
    log = landing / "cc_log" / "cc_log_20250709.csv"
    # The first entry's time becomes an impossible date (30 February).
    log.write_bytes(log.read_bytes().replace(b"09/07/2025 14:07:02", b"30/02/2025 10:00:00"))
    warehouse = tmp_path / "w.duckdb"
    result = loader.ingest(landing, warehouse)
    assert result.feeds["cc_log"].rows_quarantined == 1
    [(reason,)] = query(warehouse, "select reason from audit.quarantine")
    assert reason == "ENTRY_TIME '30/02/2025 10:00:00' is not a valid DD/MM/YYYY HH:MM:SS"
    assert query(warehouse, "select count(*) from raw.cc_log") == [(9,)]
    assert query(
        warehouse, "select rows_read, rows_loaded, rows_quarantined from audit.files_loaded "
        "where file_name = 'cc_log_20250709.csv'"
    ) == [(2, 1, 1)]  # fmt: skip


def test_the_broken_corpus_takes_the_same_path_as_before(tmp_path, monkeypatch):
    """Every broken file: the same ledger and quarantine whichever path first looked at it."""
    landing = TEST_DATA / "broken_landing"
    fast, slow = load_both_ways(landing, tmp_path, monkeypatch)
    for sql in (
        "select * exclude (loaded_at) from audit.files_loaded order by all",
        "select * exclude (quarantined_at) from audit.quarantine order by all",
    ):
        assert query(fast, sql) == query(slow, sql)


JSON_LINES = [
    '{"event_id":"e1","user":"u1","ts":"2025-02-14T23:05:44Z","search":{"kind":"person",'
    '"surname":"\\u00c9VANS","dob":"1984-01-02"},"hits":3}',
    '{"event_id":"e2","user":"u1","ts":"2025-02-14T23:05:44Z","search":{"kind":"phone",'
    '"phone":null},"hits":-0,"extra":{"a":[1,2]}}',
    '{"event_id":"e3","user":"u1","ts":"2025-02-14T23:05:44Z","search":{"kind":"vehicle",'
    '"vrm":true},"hits":1.5}',
    '{"event_id":"e4","user":"u1","user":"u2","ts":"2025-02-14T23:05:44Z",'
    '"search":{"kind":"person"}}',
    '{"event_id":"e5","user":"u1","ts":"2025-02-14T23:05:44Z","search":{"kind":{"x":1}}}',
    '{"event_id":"e6","user":"u1","ts":"2025-02-14T23:05:44Z","search":"person"}',
    '{"event_id":"e7","user":"u1","ts":"2025-02-14T23:05:44Z","search":{"kind":"person"}',
]


@pytest.mark.parametrize("line", range(len(JSON_LINES)))
def test_a_json_line_loads_as_the_readers_load_it(tmp_path, monkeypatch, line):
    """Plain values in bulk; fractions, objects, repeated keys and broken lines go to the
    readers; either way the same rows and quarantine."""
    landing = tmp_path / "landing"
    (landing / "audit_pnd").mkdir(parents=True)
    good = JSON_LINES[0].replace('"e1"', '"e0"')
    (landing / "audit_pnd" / "audit_pnd_20250214.jsonl").write_text(
        good + "\n" + JSON_LINES[line] + "\n", encoding="utf-8"
    )
    fast, slow = load_both_ways(landing, tmp_path, monkeypatch)
    for sql in (
        "select * exclude (_loaded_at) from raw.audit_pnd order by _line",
        "select * exclude (quarantined_at) from audit.quarantine order by all",
        "select * exclude (loaded_at) from audit.files_loaded",
    ):
        assert query(fast, sql) == query(slow, sql)


def test_arrow_splits_a_csv_exactly_as_python_csv_does_or_gives_it_up():
    """Random texts of quotes, commas, spaces, line breaks, blank lines and a last line with or
    without its line break: wherever the Arrow reader takes a file, its rows and line numbers
    are those of Python's csv module (the readers' reading); a file it gives up goes to csv.
    Counted, so the test cannot pass by giving every file up."""
    feed = load_feeds()["staff_directory"]
    width = len(feed.columns)
    header = ",".join(feed.columns) + "\n"
    pieces = ["a"] * 12 + ["b", ",", '"', '"', " ", "\n", "\r\n", "é", "\t", "’"]
    rng = random.Random(16)

    def field() -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.choice([0, 1, 1, 2, 4])))

    taken = quoted = 0
    for _ in range(20000):
        rows = [",".join(field() for _ in range(width)) for _ in range(rng.randint(1, 3))]
        text = header + "\n".join(rows) + rng.choice(["\n", "\n", ""])  # the last line unended
        by_arrow = bulk._csv_by_arrow(feed, text)
        if by_arrow is None:
            continue
        taken += 1
        quoted += '"' in text
        assert by_arrow.equals(bulk._csv_by_python(feed, text)), repr(text)
    assert taken > 400 and quoted > 200, (taken, quoted)
