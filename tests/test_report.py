"""The report and the exception list, on generated data."""

from __future__ import annotations

import csv
import re

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


def test_exception_list_matches_the_answer_key(generated, generated_warehouse, tmp_path):
    """Checked against the generator's answer key, not against the flag the list is made from:
    every claim the key says has no matching audit entry (any status but a search by the
    claimant or a colleague, claims.md) is listed, and nothing else; likewise missed history."""
    make_report(generated_warehouse, tmp_path)
    with (tmp_path / "exceptions.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == EXCEPTION_COLUMNS
    listed = {
        (r["incident_urn"], int(r["log_seq"]), r["system"], r["subject_type"])
        for r in rows
        if r["kind"] == "claim without matching audit"
    }
    expected = {
        (r["incident_urn"], int(r["log_seq"]), r["system"], r["subject_type"])
        for r in csv.DictReader((generated / "truth" / "claims.csv").open())
        if r["expected_status"] not in ("VERIFIED", "VERIFIED_BY_COLLEAGUE")
    }
    assert len(expected) > 100
    # The same tolerance as the statuses' agreement with the key (test_transform).
    assert len(listed & expected) >= 0.995 * len(expected)
    assert len(listed & expected) >= 0.995 * len(listed)
    missed = {r["incident_urn"] for r in rows if r["kind"] == "missed history"}
    truly_missed = {
        r["incident_urn"]
        for r in csv.DictReader((generated / "truth" / "incidents.csv").open())
        if r["missed_history"] == "Y"
    }
    assert len(missed & truly_missed) >= 0.9 * len(truly_missed)
    assert len(missed & truly_missed) >= 0.9 * len(missed)
    claims = [r for r in rows if r["kind"] == "claim without matching audit"]
    assert all(r["entry_text"] and r["reason"] for r in claims)


def test_a_period_without_incidents_gives_an_empty_report(generated_warehouse, tmp_path):
    path = make_report(generated_warehouse, tmp_path, "2030-01", "2030-02")
    assert "No incidents in this period." in path.read_text()
    assert (tmp_path / "exceptions.csv").read_text().splitlines() == [",".join(EXCEPTION_COLUMNS)]


def test_a_lowest_share_is_named_only_beyond_chance():
    import pandas as pd

    from dacall.report import _lowest_share

    def groups(**matched_of_claims):
        frame = pd.DataFrame(
            [(name, claims, matched) for name, (matched, claims) in matched_of_claims.items()],
            columns=["group", "claims", "matched"],
        ).set_index("group")
        frame["matched_pct"] = 100 * frame["matched"] / frame["claims"]
        return frame

    # 80.0% against 80.1% of a thousand claims each: noise, nobody named.
    close = _lowest_share(groups(A=(800, 1000), B=(801, 1000)), "team")
    assert "no team is lower than the others beyond chance" in close
    assert "A has" not in close and "B has" not in close
    # 60% against 90% of a thousand: a finding, with its interval.
    far = _lowest_share(groups(A=(600, 1000), B=(900, 1000), C=(905, 1000)), "team")
    assert far.startswith("A has the lowest share") and "95% interval 57-63%" in far
    # The same gap on ten claims each is within the noise.
    assert "no team" in _lowest_share(groups(A=(6, 10), B=(9, 10)), "team")
