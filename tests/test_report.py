"""The report and the exception list, on generated data."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime

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

    from dacall.report.sections import lowest_share as _lowest_share

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


def test_the_page_escapes_every_value_but_the_charts():
    """Names from the data (teams, statuses, folders) reach the page through the template with
    autoescape on; only matplotlib's SVG goes in as it is."""
    from dacall.report.page import render_page
    from dacall.report.sections import Section

    hostile = "<script>alert(1)</script>"
    page = render_page(
        [Section(f"Team {hostile}", f"{hostile} logged the most.", '<svg id="c"></svg>')],
        "2025-01",
        hostile,
        1234,
        f"warehouse /tmp/{hostile}, run unknown",
        dbt_docs=True,
        data_docs=False,
    )
    assert "<script" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 5
    assert '<figure class="chart"><svg id="c"></svg></figure>' in page
    assert "1,234 rows" in page
    assert 'href="dbt_docs.html"' in page and "data_docs/index.html" not in page


def test_a_chart_escapes_the_names_it_draws():
    from dacall.report import charts

    svg = charts.exceptions_by_status(["<script>alert(1)</script>", "A --> B"], [3, 2])
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<script" not in svg and "&lt;script&gt;" in svg
    # Text drawn as paths is kept in an XML comment: a name must not be able to close it.
    comments = re.findall(r"<!--(.*?)-->", svg, re.S)
    assert comments and not [c for c in comments if "<" in c or "--" in c]


def test_a_period_is_a_run_of_local_months(generated_warehouse, tmp_path):
    """The report's months are local months, as in the monthly marts: a claim made at 23:30 UTC
    on 31 March 2025 (00:30 on 1 April in London) belongs to April."""
    from zoneinfo import ZoneInfo

    def listed(folder, *period):
        make_report(generated_warehouse, folder, *period)
        with (folder / "exceptions.csv").open(encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    london = ZoneInfo("Europe/London")
    everything = listed(tmp_path / "all")
    march = listed(tmp_path / "march", "2025-03", "2025-03")
    april = listed(tmp_path / "april", "2025-04", "2025-04")
    assert march and april
    assert sorted(map(tuple, (r.values() for r in march + april))) == sorted(
        map(tuple, (r.values() for r in everything))
    )
    for month, rows in (("2025-03", march), ("2025-04", april)):
        for row in rows:
            claimed = datetime.fromisoformat(row["claimed_at"]).replace(tzinfo=UTC)
            assert claimed.astimezone(london).strftime("%Y-%m") == month
    page = (tmp_path / "april" / "report.html").read_text()
    assert "Call handling and check compliance, 2025-04 to 2025-04" in page


def test_missed_history_is_worded_with_the_look_back(generated_warehouse, tmp_path):
    from dacall.rules import dbt_var

    make_report(generated_warehouse, tmp_path)
    with (tmp_path / "exceptions.csv").open(encoding="utf-8") as handle:
        missed = [r for r in csv.DictReader(handle) if r["kind"] == "missed history"]
    lookback = dbt_var("marac_lookback_months")
    assert missed
    assert all(
        r["reason"].startswith("History was visible (")
        and f" MARAC referrals in {lookback} months, " in r["reason"]
        and r["reason"].endswith(("deployed.", "not deployed."))
        and r["claimed_by"]
        and not r["log_seq"]
        for r in missed
    )


def test_review_outcomes_are_stacked_by_month_and_the_commonest_named():
    from datetime import date

    import pandas as pd

    from dacall.report.sections import _review_outcomes

    outcomes = pd.DataFrame(
        [
            (date(2025, 3, 1), "CONFIRMED_FAILURE", 4),
            (date(2025, 3, 1), "RECORDING_ERROR", 1),
            (date(2025, 4, 1), "CONFIRMED_FAILURE", 2),
        ],
        columns=["month", "outcome", "incidents"],
    )
    section = _review_outcomes(outcomes)
    assert section.reading == (
        "Reviewers recorded outcomes for 7 incident-system pairs; the commonest outcome is "
        "CONFIRMED_FAILURE (6)."
    )
    # The months as labels, each outcome in the legend.
    for label in ("2025-03", "2025-04", "CONFIRMED_FAILURE", "RECORDING_ERROR"):
        assert f"<!-- {label} -->" in section.svg


def test_a_month_axis_of_years_labels_a_month_in_three_ending_with_the_latest():
    """Up to two years every month is labelled; five years' sixty labels would overlap, so
    every third month is, counted back from the latest."""
    from dacall.report import charts

    def labelled(months: list[str]) -> list[str]:
        svg = charts.monthly_count(months, [1] * len(months), "incidents")
        return [month for month in months if f"<!-- {month} -->" in svg]

    two_years = [f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in range(24)]
    assert labelled(two_years) == two_years
    five_years = [f"{2021 + i // 12}-{i % 12 + 1:02d}" for i in range(60)]
    shown = labelled(five_years)
    assert shown == five_years[2::3] and shown[-1] == "2025-12" and len(shown) == 20
