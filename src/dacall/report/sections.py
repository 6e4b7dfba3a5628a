"""The report's sections, in order: each a title, one sentence saying what the chart shows,
and the chart. Readings compare groups only beyond noise (`lowest_share`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dacall.report import charts
from dacall.report.queries import ReportData
from dacall.rules import dbt_var


@dataclass(frozen=True)
class Section:
    title: str
    reading: str
    svg: str


def matched_checks(compliance: pd.DataFrame, key) -> pd.DataFrame:
    """Claims summed by `key`, with those that have a matching audit entry (the mart's claims
    less its exceptions) as a count and a percentage."""
    totals = compliance.groupby(key)[["claims", "exceptions"]].sum()
    totals = totals[totals["claims"] > 0]
    totals["matched"] = totals["claims"] - totals["exceptions"]
    totals["matched_pct"] = 100 * totals["matched"] / totals["claims"]
    return totals


def lowest_share(totals: pd.DataFrame, what: str) -> str:
    """A sentence on the group with the lowest share of matched checks, naming it only when the
    difference is beyond chance: its 95% (Wilson) interval lies wholly below every other
    group's. Within the noise no group is named, because a 0.1-point gap is not a finding."""
    from scipy.stats import binomtest

    intervals = {
        group: binomtest(int(row.matched), int(row.claims)).proportion_ci(method="wilson")
        for group, row in totals.iterrows()
    }
    low, high = totals["matched_pct"].min(), totals["matched_pct"].max()
    if len(intervals) < 2:
        return f"{low:.0f}% of claimed checks had a matching audit entry."
    lowest = totals["matched_pct"].idxmin()
    others = min(interval.low for group, interval in intervals.items() if group != lowest)
    if intervals[lowest].high < others:
        interval = intervals[lowest]
        return (
            f"{lowest} has the lowest share of claimed checks with a matching audit entry "
            f"({totals.loc[lowest, 'matched_pct']:.0f}%, 95% interval {100 * interval.low:.0f}-"
            f"{100 * interval.high:.0f}%), below every other {what} beyond chance."
        )
    return (
        f"Shares of claimed checks with a matching audit entry range from {low:.0f}% to "
        f"{high:.0f}%; no {what} is lower than the others beyond chance (95% intervals overlap)."
    )


def _month_labels(values) -> list[str]:
    return [str(value)[:7] for value in values]


def sections(data: ReportData) -> list[Section]:
    """Every section of a period with incidents (none for an empty period)."""
    monthly = data.monthly
    if monthly.empty:
        return []
    months = _month_labels(monthly["month"])
    return [
        _answered_within_target(monthly, months),
        _abandoned_and_silent(monthly, months),
        _grade1_attendance(monthly, months),
        _repeat_callers(monthly, months),
        _claims_by_system(data.compliance),
        _matched_by_month(data.compliance),
        _claims_by_team(data.compliance),
        _exceptions_by_status(data.statuses),
        _missed_history(monthly, months),
        *([_review_outcomes(data.outcomes)] if not data.outcomes.empty else []),
        *([_parser_review(data.parser_review)] if not data.parser_review.empty else []),
    ]


def _answered_within_target(monthly, months) -> Section:
    pct = monthly["pct_999_answered_within_target"]
    latest = pct.iloc[-1]
    seconds, standard = dbt_var("answer_target_seconds"), dbt_var("answer_standard_pct")
    verdict = "meeting" if latest >= standard else "below"
    return Section(
        f"999 calls answered within {seconds} seconds",
        f"In {months[-1]} {latest:.1f}% of answered 999 calls were answered within "
        f"{seconds} seconds, {verdict} the {standard}% standard; "
        f"{int((pct >= standard).sum())} of {len(pct)} months met it.",
        charts.answered_within_target(months, list(pct), standard, seconds),
    )


def _abandoned_and_silent(monthly, months) -> Section:
    minutes = dbt_var("callback_target_minutes")
    return Section(
        f"Abandoned and silent calls, and call-backs within {minutes} minutes",
        f"Over the period {int(monthly['abandoned_calls'].sum()):,} calls were abandoned and "
        f"{int(monthly['silent_calls'].sum()):,} were silent; "
        f"{monthly['pct_called_back_within_target'].mean():.0f}% of them were called back "
        f"within {minutes} minutes on average.",
        charts.abandoned_and_silent(
            months,
            list(monthly["abandoned_calls"]),
            list(monthly["silent_calls"]),
            list(monthly["pct_called_back_within_target"]),
            minutes,
        ),
    )


def _grade1_attendance(monthly, months) -> Section:
    urban, rural = dbt_var("grade1_target_urban_minutes"), dbt_var("grade1_target_rural_minutes")
    return Section(
        "Grade 1 attendance within target",
        f"{monthly['pct_grade1_within_target'].mean():.0f}% of Grade 1 incidents were attended "
        f"within {urban} minutes (urban) or {rural} minutes (rural) on average.",
        charts.monthly_share(months, list(monthly["pct_grade1_within_target"]), "% within target"),
    )


def _repeat_callers(monthly, months) -> Section:
    return Section(
        "Repeat callers",
        f"{int(monthly['repeat_caller_incidents'].sum()):,} incidents came from callers with an "
        "earlier domestic incident.",
        charts.monthly_count(months, list(monthly["repeat_caller_incidents"]), "incidents"),
    )


def _claims_by_system(compliance) -> Section:
    by_system = matched_checks(compliance, "system")
    return Section(
        "Checks claimed and verified, by system",
        lowest_share(by_system, "system"),
        charts.claimed_and_matched(
            list(by_system.index),
            list(by_system["claims"]),
            list(by_system["matched"]),
            across=False,
        ),
    )


def _matched_by_month(compliance) -> Section:
    by_month = matched_checks(compliance, compliance["month"].astype(str).str[:7])
    pct = by_month["matched_pct"]
    return Section(
        "Checks with a matching audit entry, by month",
        f"In {pct.index[-1]} {pct.iloc[-1]:.0f}% of claimed checks had a matching audit entry. "
        + lowest_share(by_month, "month"),
        charts.monthly_share(list(pct.index), list(pct), "% of claimed checks"),
    )


def _claims_by_team(compliance) -> Section:
    by_team = matched_checks(compliance, "team").sort_values("exceptions")
    return Section(
        "Checks claimed and verified, by the claimant's team",
        f"{by_team['exceptions'].idxmax()} logged the most checks without a matching audit "
        f"entry ({int(by_team['exceptions'].max()):,}). " + lowest_share(by_team, "team"),
        charts.claimed_and_matched(
            list(by_team.index), list(by_team["claims"]), list(by_team["matched"]), across=True
        ),
    )


def _exceptions_by_status(statuses) -> Section:
    return Section(
        "Exceptions by status",
        f"The commonest exception is {statuses.iloc[0]['status']} "
        f"({int(statuses.iloc[0]['claims']):,} claims)."
        if not statuses.empty
        else "No claim is without a matching audit entry.",
        charts.exceptions_by_status(list(statuses["status"]), list(statuses["claims"])),
    )


def _missed_history(monthly, months) -> Section:
    grades = " or ".join(str(grade) for grade in dbt_var("weak_response_grades"))
    return Section(
        "Incidents with missed history",
        f"{int(monthly['missed_history_incidents'].sum()):,} incidents had history the checks "
        f"would have shown, checks not all verified, and no deployment or a grade {grades}.",
        charts.monthly_count(
            months, list(monthly["missed_history_incidents"]), "incidents", color="firebrick"
        ),
    )


def _review_outcomes(outcomes) -> Section:
    by_outcome = outcomes.groupby("outcome")["incidents"].sum().sort_values()
    by_month = outcomes.pivot_table(
        index="month", columns="outcome", values="incidents", aggfunc="sum", fill_value=0
    )
    return Section(
        "Review outcomes",
        f"Reviewers recorded outcomes for {int(by_outcome.sum()):,} incident-system pairs; "
        f"the commonest outcome is {by_outcome.index[-1]} ({int(by_outcome.iloc[-1]):,}).",
        charts.review_outcomes(
            _month_labels(by_month.index),
            {str(outcome): list(by_month[outcome]) for outcome in by_month.columns},
        ),
    )


def _parser_review(review) -> Section:
    return Section(
        "Log entries the claims parser was unsure of",
        f"{int(review['entries'].sum()):,} entries to label (marts.fct_parser_review), by "
        "reason: entries naming a system or check word with no claim read, and claims on a "
        "guessed spelling or on the standard check set (docs/claims-parser.md).",
        charts.parser_review(list(review["reason"]), list(review["entries"])),
    )
