"""A month of nights (`make soak`): 31 business days delivered one night at a time, as the
generator's answer key says they arrived (late days, short files corrected days later), with
broken deliveries mixed in; ingestion and the gates run each night. At the end the warehouse
must equal one built from the final landing in one go; every broken file is in the quarantine
with its reason; the freshness history names each late day."""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from compare_warehouses import NOT_COMPARED
from conftest import deliveries_by_night, query
from dacall.pipeline import gate_step, ingest_step, transform_step

pytestmark = pytest.mark.soak

START = date(2025, 3, 1)
DAYS = 31
NUL_NIGHT = START + timedelta(days=10)  # a file arrives with binary junk, corrected next night


def _marts(warehouse: Path) -> dict[str, list]:
    tables = [
        t
        for (t,) in query(
            warehouse,
            "select table_name from information_schema.tables where table_schema = 'marts'",
        )
    ]
    marts = {}
    for table in tables:
        # Every column but the build stamps, which no two builds share (compare_warehouses).
        columns = ", ".join(
            c
            for (c,) in query(
                warehouse,
                "select column_name from information_schema.columns where table_schema = 'marts' "
                f"and table_name = '{table}' order by ordinal_position",
            )
            if c not in NOT_COMPARED
        )
        marts[table] = sorted(map(repr, query(warehouse, f"select {columns} from marts.{table}")))
    return marts


def test_a_month_of_nights_ends_as_one_load_of_the_final_landing(tmp_path_factory):
    from dacall.generate import generate

    out = tmp_path_factory.mktemp("soak")
    generate(out, start=START, days=DAYS, scale=0.1, seed=11)
    nights = deliveries_by_night(out, START)
    landing = out / "nightly-landing"
    warehouse = out / "nightly" / "w.duckdb"
    freshness_lines: list[str] = []
    broken = {
        # name -> the reason the quarantine must give
        "cc_incidents_2025-03-03.csv": "outside the pattern",
        "audit_cc_20250340.csv": "symbolic link",
        "audit_pnd_20250399.jsonl": "a folder where a file should be",
    }
    last_night = max(nights)
    nul_file, good = None, b""
    night = START + timedelta(days=1)
    while night <= last_night:
        for feed, name, source in nights.get(night, []):
            (landing / feed).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, landing / feed / name)
        if night == START + timedelta(days=3):
            (landing / "cc_incidents").mkdir(parents=True, exist_ok=True)
            (landing / "cc_incidents" / "cc_incidents_2025-03-03.csv").write_bytes(b"URN\r\n")
            (landing / "audit_cc" / "audit_cc_20250340.csv").symlink_to("/etc/passwd")
            (landing / "audit_pnd" / "audit_pnd_20250399.jsonl").mkdir()
        if night == NUL_NIGHT:
            # The day's log arrives with binary junk at its end (past the first 4 KiB) ...
            nul_file = landing / "cc_log" / f"cc_log_{night - timedelta(days=1):%Y%m%d}.csv"
            good = nul_file.read_bytes()
            nul_file.write_bytes(good[:-2] + b"\x00\r\n")
        if night == NUL_NIGHT + timedelta(days=1) and nul_file.read_bytes() != good:
            nul_file.write_bytes(good)  # ... and is sent again, whole, the next night
        business_day = night - timedelta(days=1)
        ingest_step(landing, warehouse, up_to=business_day)
        freshness_lines += [
            f"{business_day}: {line}"
            for line in gate_step(warehouse, up_to=business_day)["verdicts"]
            if "gate_freshness" in line
        ]
        night += timedelta(days=1)

    # One load of the final landing, in one go.
    at_once = out / "at-once" / "w.duckdb"
    ingest_step(landing, at_once)
    for feed in ("cc_incidents", "cc_log", "audit_rms", "audit_pnd", "partner_marac"):
        columns = "* exclude (_loaded_at, _sha256)"
        nightly_rows = sorted(map(repr, query(warehouse, f"select {columns} from raw.{feed}")))
        once_rows = sorted(map(repr, query(at_once, f"select {columns} from raw.{feed}")))
        assert nightly_rows == once_rows, feed
    # Every broken file in the quarantine with its reason (the NUL file's first delivery too).
    for name, reason in broken.items():
        reasons = [
            r
            for (r,) in query(
                warehouse, "select reason from audit.quarantine where file_name = ?", [name]
            )
        ]
        assert len(reasons) == 1 and reason in reasons[0], name
    nul_day = NUL_NIGHT - timedelta(days=1)
    statuses = query(
        warehouse,
        "select status from audit.files_loaded where file_name = ? order by delivery",
        [nul_file.name],
    )
    assert len(good) > 4096 and statuses[-2:] == [("rejected",), ("loaded",)]
    assert any(f"cc_log file rejected for 1 day(s): {nul_day}" in line for line in freshness_lines)
    # The freshness history names each late day, on the night it was due.
    with (out / "truth" / "deliveries.csv").open() as handle:
        late = [
            (r["feed"], r["business_date"]) for r in csv.DictReader(handle) if r["note"] == "late"
        ]
    assert late
    for feed, day in late:
        assert any(
            line.startswith(f"{day}: ") and f"{feed} has no file for" in line and day in line
            for line in freshness_lines
        ), (feed, day)
    # The marts, built from each: identical.
    for built in (warehouse, at_once):
        transform_step(built, phase="all")
    assert _marts(warehouse) == _marts(at_once)
