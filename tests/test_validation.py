"""Great Expectations on real data: seeded defects counted exactly, no result that raised,
gates that stop only what is downstream, and the compliance suite against the answer key."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

from conftest import query
from dacall.pipeline import run_pipeline


@pytest.fixture(scope="module")
def defective(samples, tmp_path_factory, monkeypatch_module):
    """The samples with known defects seeded in two feeds."""
    root = tmp_path_factory.mktemp("defective")
    landing = root / "landing"
    shutil.copytree(samples, landing)
    path = landing / "cc_incidents" / "cc_incidents_20250709.csv"
    rows = path.read_bytes().decode("cp1252").split("\r\n")
    row = rows[1]
    extra = [
        row.replace("HC-250709-0088", "HC-250709-0090").replace(",101,", ",FAX,"),
        row.replace("HC-250709-0088", "HC-250709-0091").replace(",101,", ",FAX,"),
        row.replace("HC-250709-0088", "HC-250709-0092").replace(",MEDIUM,", ",EXTREME,"),
    ]
    path.write_bytes("\r\n".join([*rows[:2], *extra, ""]).encode("cp1252"))
    vs = landing / "partner_vs" / "partner_vs_202502.csv"
    vs.write_text(vs.read_text().replace(",N,General,", ",MAYBE,General,"))
    monkeypatch_module.setenv("DACALL_REPORTS", str(root / "reports"))
    warehouse = root / "w.duckdb"
    result = run_pipeline(landing, warehouse)
    return warehouse, result, root


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_seeded_defects_are_counted_exactly(defective):
    warehouse, result, _ = defective
    counts = {
        (suite, expectation, column): (success, unexpected)
        for suite, expectation, column, success, unexpected in query(
            warehouse,
            "select suite, expectation, column_name, success, unexpected_count "
            "from audit.validation_results",
        )
    }
    assert counts[("gate_raw_cc_incidents", "expect_column_values_to_be_in_set", "channel")] == (
        False,
        2,
    )
    assert counts[("gate_raw_cc_incidents", "expect_column_values_to_be_in_set", "risk_level")] == (
        False,
        1,
    )
    assert counts[("gate_raw_cc_incidents", "expect_column_values_to_be_in_set", "abandoned")] == (
        True,
        0,
    )
    assert counts[("gate_raw_partner_vs", "expect_column_values_to_be_in_set", "consent")] == (
        False,
        1,
    )
    assert counts[("gate_raw_audit_rms", "expect_column_values_to_be_unique", "audit_id")] == (
        True,
        0,
    )
    assert result["stopped_feeds"] == ["cc_incidents", "partner_vs"]
    lines = "\n".join(result["validation"])
    assert "gate_raw_cc_incidents on raw.cc_incidents: FAIL" in lines
    assert "column_values_to_be_in_set on channel: 2 unexpected" in lines


def test_a_failed_gate_stops_only_what_is_downstream(defective):
    warehouse, result, _ = defective
    tables = {
        t
        for (t,) in query(
            warehouse, "select table_schema || '.' || table_name from information_schema.tables"
        )
    }
    assert "staging.stg_audit_rms" in tables and "staging.stg_partner_mash" in tables
    assert "staging.stg_cc_incidents" not in tables and "staging.stg_partner_vs" not in tables
    assert "marts.fct_check_reconciliation" not in tables
    assert "source:raw.cc_incidents+" in result["transform"]["excluded"]


def test_the_ledger_row_count_gate_sees_a_lost_row(samples, tmp_path, monkeypatch):
    from dacall.ingest.loader import ingest
    from dacall.pipeline import gate_step
    from dacall.warehouse import connect

    monkeypatch.setenv("DACALL_REPORTS", str(tmp_path / "reports"))
    warehouse = tmp_path / "w.duckdb"
    ingest(samples, warehouse)
    con = connect(warehouse)
    con.execute("delete from raw.cc_log where seq = '4'")
    con.close()
    gates = gate_step(warehouse)
    assert gates["stopped_feeds"] == ["cc_log"]
    assert query(
        warehouse,
        "select observed_value from audit.validation_results where "
        "suite = 'gate_raw_cc_log' and expectation = 'expect_table_row_count_to_equal'",
    ) == [("8",)]


def test_a_night_gates_only_new_files_and_still_sees_the_whole_table(
    samples, tmp_path, monkeypatch
):
    """The second night's gate reads the new file (and the earlier row sharing its id), yet a
    duplicate id across nights and a row lost from an earlier file are still counted."""
    from dacall.ingest.loader import ingest
    from dacall.pipeline import gate_step
    from dacall.warehouse import connect

    monkeypatch.setenv("DACALL_REPORTS", str(tmp_path / "reports"))
    landing = tmp_path / "landing"
    shutil.copytree(samples, landing)
    warehouse = tmp_path / "w.duckdb"

    def rms_gate(run_id: str) -> dict:
        return {
            expectation: (success, elements, unexpected)
            for expectation, success, elements, unexpected in query(
                warehouse,
                "select expectation, success, element_count, unexpected_count "
                "from audit.validation_results where run_id = ? and suite = 'gate_raw_audit_rms'",
                [run_id],
            )
        }

    ingest(landing, warehouse)
    assert gate_step(warehouse, "night-1")["stopped_feeds"] == []
    first = rms_gate("night-1")
    (in_table,) = query(warehouse, "select count(*) from raw.audit_rms")[0]
    assert first["expect_column_values_to_be_unique"] == (True, in_table, 0)

    # The next day: one new search, and one whose audit id an earlier day already used.
    (landing / "audit_rms" / "audit_rms_20250710.csv").write_bytes(
        b"AUDIT_ID,USER_ID,ACTION,TIMESTAMP,SEARCH_TEXT,RECORD_ID\r\n"
        b"5690999,S10455,LOGIN,2025-07-10 08:00:00,,\r\n"
        b"5690417,S10455,LOGIN,2025-07-10 08:01:00,,\r\n"
    )
    ingest(landing, warehouse)
    assert gate_step(warehouse, "night-2")["stopped_feeds"] == ["audit_rms"]
    second = rms_gate("night-2")
    assert second["expect_column_values_to_be_unique"] == (False, 3, 2)
    assert second["expect_table_row_count_to_equal"][0] is True
    assert query(
        warehouse,
        "select count(*) from audit.validation_results where run_id = 'night-2' "
        "and suite = 'gate_raw_cc_log' and element_count > 0",
    ) == [(0,)]

    # An earlier, gated file loses a row: the count against the ledger still sees it.
    con = connect(warehouse)
    con.execute("delete from raw.cc_log where seq = '4'")
    con.close()
    assert gate_step(warehouse, "night-3")["stopped_feeds"] == ["audit_rms", "cc_log"]
    # Every row again on demand.
    everything = gate_step(warehouse, "full", full_refresh=True)
    assert everything["stopped_feeds"] == ["audit_rms", "cc_log"]
    assert rms_gate("full")["expect_column_values_to_be_unique"] == (False, in_table + 2, 2)

    # The day's file delivered again, mended: its new delivery is gated, and only it.
    (landing / "audit_rms" / "audit_rms_20250710.csv").write_bytes(
        b"AUDIT_ID,USER_ID,ACTION,TIMESTAMP,SEARCH_TEXT,RECORD_ID\r\n"
        b"5690998,S10455,LOGIN,2025-07-10 08:00:00,,\r\n"
    )
    ingest(landing, warehouse)
    gate_step(warehouse, "night-4")
    assert rms_gate("night-4")["expect_column_values_to_be_unique"] == (True, 1, 0)
    assert query(
        warehouse,
        "select count(*), count(distinct sha256) from audit.gated_files "
        "where feed = 'audit_rms' and file_name = 'audit_rms_20250710.csv'",
    ) == [(1, 1)]


def test_a_missing_day_is_reported_by_feed_and_date(generated, tmp_path, monkeypatch):
    from dacall.ingest.loader import ingest
    from dacall.pipeline import gate_step

    monkeypatch.setenv("DACALL_REPORTS", str(tmp_path / "reports"))
    landing = tmp_path / "landing"
    shutil.copytree(generated / "landing", landing)
    (landing / "audit_pnd" / "audit_pnd_20250320.jsonl").unlink()
    warehouse = tmp_path / "w.duckdb"
    ingest(landing, warehouse)
    lines = gate_step(warehouse)["verdicts"]
    assert (
        "gate_freshness on files of audit_pnd: FAIL (audit_pnd has no file for 1 day(s): "
        "2025-03-20)" in lines
    )
    assert "gate_freshness on files of audit_pnc: PASS (1 expectations)" in lines


def test_compliance_lists_exactly_the_claims_without_a_matching_audit(
    generated, generated_warehouse, tmp_path, monkeypatch
):
    from dacall.validation.run import Validator, compliance
    from dacall.warehouse import connect

    monkeypatch.setenv("DACALL_REPORTS", str(tmp_path / "reports"))
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(generated_warehouse, warehouse)
    con = connect(warehouse)
    try:
        validator = Validator(con, "test")
        verdict = compliance(validator, everything=True)
        validator.build_docs()
        # A night after it validates only what is new or changed: nothing, then one claim
        # whose status a late audit file would change.
        nothing_new = compliance(Validator(con, "next"))
        con.execute(
            "update marts.fct_check_reconciliation set status = 'VERIFIED', "
            "has_matching_audit = true where (incident_urn, log_seq, system, subject_type) in ("
            "select (incident_urn, log_seq, system, subject_type) "
            "from marts.fct_check_reconciliation where status = 'NO_AUDIT' limit 1)"
        )
        changed = compliance(Validator(con, "after a late audit file"))
    finally:
        con.close()
    assert nothing_new.success and nothing_new.unexpected_rows == []
    assert changed.success and [
        elements
        for (elements,) in query(
            warehouse,
            "select element_count from audit.validation_results "
            "where run_id in ('next', 'after a late audit file') order by validated_at",
        )
    ] == [0, 1]
    truth = {
        (r["incident_urn"], int(r["log_seq"]), r["system"], r["subject_type"])
        for r in csv.DictReader((generated / "truth" / "claims.csv").open())
        if r["expected_status"] not in ("VERIFIED", "VERIFIED_BY_COLLEAGUE")
    }
    listed = {
        (r["incident_urn"], r["log_seq"], r["system"], r["subject_type"])
        for r in verdict.unexpected_rows
    }
    assert not verdict.success
    assert listed == truth
    assert all(
        r["status"] not in ("VERIFIED", "VERIFIED_BY_COLLEAGUE") for r in verdict.unexpected_rows
    )
    assert query(
        warehouse,
        "select count(*) from audit.validation_results where run_id = "
        "'test' and suite = 'compliance_check_reconciliation' and not success",
    ) == [(1,)]
    docs = tmp_path / "reports" / "data_docs"
    assert (docs / "index.html").exists()
    pages = {p.name for p in docs.rglob("*.html")}
    assert "compliance_check_reconciliation.html" in pages  # the suite's page
    assert "gate_raw_cc_incidents.html" in pages


def test_suite_pages_are_rendered_again_only_when_they_would_change(
    generated_warehouse, tmp_path, monkeypatch
):
    """A step's Data Docs render its own results and the index; the suites' pages only when
    one is missing or the suites (or GX) changed since they were rendered."""
    from dacall.validation.run import SUITE_PAGES_FINGERPRINT, Validator, compliance
    from dacall.warehouse import connect

    monkeypatch.setenv("DACALL_REPORTS", str(tmp_path / "reports"))
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(generated_warehouse, warehouse)
    site = tmp_path / "reports" / "data_docs"
    suite_pages = site / "expectations"

    def step(run_id: str) -> dict[str, int]:
        validator = Validator(con, run_id)
        compliance(validator)
        validator.build_docs()
        return {page.name: page.stat().st_mtime_ns for page in suite_pages.glob("*.html")}

    def results_pages_of(run_id: str) -> list:
        return [p for p in (site / "validations").rglob("*.html") if run_id in p.parts]

    con = connect(warehouse)
    try:
        first = step("first")
        second = step("second")
        (suite_pages / "gate_freshness.html").unlink()
        third = step("third")
        (site / SUITE_PAGES_FINGERPRINT).write_text("rendered from other suites")
        fourth = step("fourth")
    finally:
        con.close()
    assert len(first) >= 10 and "compliance_check_reconciliation.html" in first
    assert second == first  # not one suite page written again
    assert results_pages_of("second") and "second" in (site / "index.html").read_text()
    assert third.keys() == first.keys()  # the missing page is back ...
    assert all(third[name] > first[name] for name in first)  # ... with the rest
    assert all(fourth[name] > third[name] for name in third)
    assert (site / SUITE_PAGES_FINGERPRINT).read_text() != "rendered from other suites"


def test_data_docs_load_nothing_from_outside(generated_run):
    """Every page the pipeline built points at the vendored copies, none at a CDN or at GX's
    storage (whose logo address carried this installation's id)."""
    from dacall.validation.data_docs import EXTERNAL_RESOURCE

    site = generated_run[1] / "data_docs"
    pages = list(site.rglob("*.html"))
    assert len(pages) > 10
    outside = {u for page in pages for u in EXTERNAL_RESOURCE.findall(page.read_text())}
    assert outside == set()
    assert not [p for p in pages if "dataContextId" in p.read_text()]
    assert (site / "static" / "vendor" / "jquery.min.js").is_file()


def test_an_altered_vendored_data_docs_file_stops_the_build(tmp_path, monkeypatch):
    from dacall.settings import UserError
    from dacall.validation import data_docs

    assets = tmp_path / "assets"
    shutil.copytree(data_docs.ASSETS_DIR, assets)
    (assets / "jquery.min.js").write_text("alert('not jQuery')")
    monkeypatch.setattr(data_docs, "ASSETS_DIR", assets)
    site = tmp_path / "site"
    site.mkdir()
    with pytest.raises(UserError, match="jquery.min.js is missing or altered"):
        data_docs.make_offline(site)


def test_data_docs_build_only_this_runs_pages(sample_warehouse, tmp_path):
    """A night renders its own results' pages, not every result stored (which grows by about
    twenty a run); the earlier runs' pages stay as they were, and the index lists both."""
    from dacall.validation.run import Validator, raw_gates
    from dacall.warehouse import connect

    warehouse = tmp_path / "w.duckdb"
    shutil.copy(sample_warehouse, warehouse)
    reports = tmp_path / "reports"
    site = reports / "data_docs"

    def night(run_id: str) -> None:
        con = connect(warehouse)
        try:
            validator = Validator(con, run_id, reports)
            raw_gates(validator)
            validator.build_docs()
        finally:
            con.close()

    night("night-one")
    first = {
        page: (page.stat().st_mtime_ns, page.read_bytes())
        for page in (site / "validations").rglob("*.html")
        if "night-one" in page.parts
    }
    assert len(first) >= 10  # a page per raw feed's gate
    night("night-two")
    pages = list((site / "validations").rglob("*.html"))
    second = [page for page in pages if "night-two" in page.parts]
    assert len(second) == len(first)
    # The first night's pages were not rendered again.
    assert {page: (page.stat().st_mtime_ns, page.read_bytes()) for page in first} == first
    index = (site / "index.html").read_text()
    assert "night-one" in index and "night-two" in index
    assert (site / "expectations" / "compliance_check_reconciliation.html").exists()


def test_results_carry_no_fingerprint_of_the_data(sample_warehouse, tmp_path):
    """GX would hash every value of each frame only to label its result; that label is
    skipped (dacall.validation.context.skip_frame_fingerprints), and the verdicts stand."""
    import json

    from dacall.validation.run import Validator, raw_gates
    from dacall.warehouse import connect

    warehouse = tmp_path / "w.duckdb"
    shutil.copy(sample_warehouse, warehouse)
    reports = tmp_path / "reports"
    con = connect(warehouse)
    try:
        verdicts = raw_gates(Validator(con, "unhashed", reports), everything=True)
    finally:
        con.close()
    assert verdicts and all(verdict.success for verdict in verdicts)
    stored = list((reports / "gx_validations").rglob("*.json"))
    assert len(stored) == len(verdicts)
    for path in stored:
        markers = json.loads(path.read_text())["meta"]["batch_markers"]
        assert "ge_load_time" in markers  # the markers are there,
        assert "pandas_data_fingerprint" not in markers  # but not the hash of the data


def test_the_gates_frames_are_the_frames_duckdb_gives_pandas(sample_warehouse, tmp_path):
    """The raw gates read their rows through Arrow (dacall.validation.run._text_frame); GX
    must see the very frame DuckDB's own `.df()` gives, on a first load and on a night."""
    import pandas as pd

    from dacall.validation.run import _rules_fingerprint, _ungated_rows
    from dacall.validation.suites import RAW_GATES
    from dacall.warehouse import connect

    warehouse = tmp_path / "w.duckdb"
    shutil.copy(sample_warehouse, warehouse)
    con = connect(warehouse)
    try:
        for feed, expectations in RAW_GATES.items():
            columns = ", ".join(
                sorted({f'"{e.column}"' for e in expectations if hasattr(e, "column")})
            )
            rules = _rules_fingerprint(f"gate_raw_{feed}", [])
            everything, _files = _ungated_rows(con, feed, expectations, rules, everything=True)
            expected = con.execute(f"select {columns} from raw.{feed}").df()
            assert len(everything) > 0
            pd.testing.assert_frame_equal(everything, expected)
            # A night's frame: the rows of one file not gated yet.
            (first_file,) = con.execute(f"select min(_file) from raw.{feed}").fetchone()
            con.execute(
                "insert into audit.gated_files select distinct ?, _file, _sha256, ?, 'test', "
                f"now() from raw.{feed} where _file <> ?",
                [feed, rules, first_file],
            )
            night, files = _ungated_rows(con, feed, expectations, rules, everything=False)
            assert (
                files
                == con.execute(
                    f"select distinct _file, _sha256 from raw.{feed} where _file = ?", [first_file]
                ).fetchall()
            )
            expected = con.execute(
                f"select {columns} from raw.{feed} where _file = ?", [first_file]
            ).df()
            pd.testing.assert_frame_equal(
                night.sort_values(list(night.columns)).reset_index(drop=True),
                expected.sort_values(list(expected.columns)).reset_index(drop=True),
            )
    finally:
        con.close()


def test_the_results_store_keeps_what_the_index_shows_and_archives_the_rest(
    sample_warehouse, tmp_path
):
    """GX lists every stored result on every Data Docs build: a store that kept every night's
    results made each night slower than the last. A step leaves in the store the newest results
    (those the index shows) and moves the older ones to the archive, losing none."""
    from dacall.validation.run import RESULTS_ARCHIVE, Validator, raw_gates
    from dacall.warehouse import connect

    warehouse = tmp_path / "w.duckdb"
    shutil.copy(sample_warehouse, warehouse)
    reports = tmp_path / "reports"
    store, archive = reports / "gx_validations", reports / RESULTS_ARCHIVE

    def night(run_id: str) -> int:
        con = connect(warehouse)
        try:
            validator = Validator(con, run_id, reports)
            raw_gates(validator)
            validator.build_docs()
            return validator.context.variables.data_docs_sites["local_site"]["site_index_builder"][
                "validation_results_limit"
            ]
        finally:
            con.close()

    def results(folder: Path) -> set[str]:
        return {str(p.relative_to(folder)) for p in folder.rglob("*.json") if p.parent != folder}

    shown = night("night-one")
    first = results(store)
    assert len(first) >= 10 and not archive.exists()  # fewer than the index shows: all kept
    # Earlier nights' results, older than the first night's, as many as the index shows,
    # owner-only as the pipeline writes them.
    previous_umask = os.umask(0o077)
    for number in range(shown):
        for index, result in enumerate(sorted(first)):
            suite, _run, _run_time, batch = result.split("/")
            older = (
                store
                / suite
                / f"earlier-{number}"
                / (f"2020{1 + number // 28:02d}{1 + number % 28:02d}T0000{index:02d}.000000Z")
            )
            older.mkdir(parents=True, exist_ok=True)
            (older / batch).write_bytes((store / result).read_bytes())
    os.umask(previous_umask)
    before = results(store)
    night("night-two")
    kept, archived = results(store), results(archive)
    second = {r for r in kept if r.split("/")[1] == "night-two"}
    assert len(second) == len(first)
    assert kept | archived == before | second and not kept & archived  # none lost
    assert len(kept) == shown  # the index's limit (no ties of run time here)
    newest = sorted(before | second, key=lambda r: r.split("/")[2], reverse=True)[:shown]
    assert kept == set(newest)
    assert all(r.split("/")[1].startswith("earlier-") for r in archived)
    assert "night-two" in (reports / "data_docs" / "index.html").read_text()
    modes = {p.stat().st_mode & 0o777 for p in archive.rglob("*")}
    assert modes == {0o700, 0o600}  # owner-only, as the store
