"""The report and the exception list, on generated data."""

from __future__ import annotations

import csv
import re

from conftest import query
from dacall.report import EXCEPTION_COLUMNS, make_report


def test_report_is_self_contained_with_a_reading_per_chart(generated_warehouse, tmp_path):
    path = make_report(generated_warehouse, tmp_path)
    page = path.read_text()
    charts = page.count("<figure")
    readings = re.findall(r'<p class="reading">([^<]+)</p>', page)
    assert charts >= 8 and len(readings) == charts
    assert all(r.endswith(".") and len(r) > 30 for r in readings)
    # The entries the claims parser was unsure of, counted by reason (marts.fct_parser_review).
    assert "Log entries the claims parser was unsure of" in page
    # Offline: no script, and nothing fetched from any address.
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "default-src 'none'" in page


def test_exception_list_matches_the_compliance_failures(generated_warehouse, tmp_path):
    make_report(generated_warehouse, tmp_path)
    with (tmp_path / "exceptions.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == EXCEPTION_COLUMNS
    claims = [r for r in rows if r["kind"] == "claim without matching audit"]
    missed = [r for r in rows if r["kind"] == "missed history"]
    expected_claims = query(
        generated_warehouse,
        "select count(*) from marts.fct_check_reconciliation where not has_matching_audit",
    )[0][0]
    expected_missed = query(
        generated_warehouse, "select count(*) from marts.fct_prior_history where missed_history"
    )[0][0]
    assert len(claims) == expected_claims and len(missed) == expected_missed
    assert all(r["status"] not in ("VERIFIED", "VERIFIED_BY_COLLEAGUE") for r in claims)
    assert all(r["entry_text"] and r["reason"] for r in claims)


def test_a_period_without_incidents_gives_an_empty_report(generated_warehouse, tmp_path):
    path = make_report(generated_warehouse, tmp_path, "2030-01", "2030-02")
    assert "No incidents in this period." in path.read_text()
    assert (tmp_path / "exceptions.csv").read_text().splitlines() == [",".join(EXCEPTION_COLUMNS)]
