"""`dacall report`: a self-contained HTML report and the exception list for reviewers.

The charts are drawn with matplotlib and embedded as SVG, so the page opens offline and makes
no request to any address. Each chart carries one sentence saying what it shows.
"""

from __future__ import annotations

import html
import io
import logging
from datetime import UTC, datetime
from pathlib import Path

from dacall import paths
from dacall.csv_out import csv_bytes
from dacall.rules import dbt_var
from dacall.settings import UserError
from dacall.warehouse import connect, owner_only, private_dir, write_private

EXCEPTION_COLUMNS = [
    "kind",
    "incident_urn",
    "log_seq",
    "entry_text",
    "claimed_by",
    "claimed_at",
    "system",
    "subject_type",
    "status",
    "reason",
    "nearest_audit_ref",
    "nearest_audit_at",
]


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _matched_checks(compliance, key):
    """Claims summed by `key`, with those that have a matching audit entry (the mart's claims
    less its exceptions) as a count and a percentage."""
    totals = compliance.groupby(key)[["claims", "exceptions"]].sum()
    totals = totals[totals["claims"] > 0]
    totals["matched"] = totals["claims"] - totals["exceptions"]
    totals["matched_pct"] = 100 * totals["matched"] / totals["claims"]
    return totals


def _lowest_share(totals, what: str) -> str:
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


def _percent_line(axis, x, y, label: str) -> None:
    """A share on a 0-100 axis: a truncated axis makes a one-point change look like a fall."""
    axis.plot(x, y, color="black", marker="o")
    axis.set_ylim(0, 100)
    axis.set_ylabel(label)


def _months_filter(column: str, start: str | None, end: str | None) -> str:
    clauses = []
    if start:
        clauses.append(f"strftime({column}, '%Y-%m') >= $start")
    if end:
        clauses.append(f"strftime({column}, '%Y-%m') <= $end")
    return " and ".join(clauses) or "true"


def make_report(
    warehouse: Path | None = None,
    out: Path | None = None,
    start: str | None = None,
    end: str | None = None,
    run_id: str | None = None,
) -> Path:
    """report.html and exceptions.csv in `out` (default: the reports folder of the
    warehouse, see `paths.reports_for`)."""
    with owner_only():
        return _make_report(warehouse, out, start, end, run_id)


def _make_report(warehouse, out, start, end, run_id) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Month labels ("2025-01") are categories on purpose; matplotlib says so at INFO, per chart.
    logging.getLogger("matplotlib.category").setLevel(logging.WARNING)
    warehouse = Path(warehouse or paths.warehouse())
    folder = private_dir(Path(out or paths.reports_for(warehouse)))
    params = {k: v for k, v in (("start", start), ("end", end)) if v}
    con = connect(warehouse, read_only=True)
    try:
        origin = _origin(con, warehouse, run_id)
        try:
            monthly = con.execute(
                f"select * from marts.mart_call_handling_monthly where "
                f"{_months_filter('month', start, end)} order by month",
                params,
            ).df()
            compliance = con.execute(
                f"select * from marts.mart_check_compliance_monthly where "
                f"{_months_filter('month', start, end)}",
                params,
            ).df()
            statuses = con.execute(
                f"select status, count(*) as claims from marts.fct_check_reconciliation where "
                f"not has_matching_audit and {_months_filter('claimed_at', start, end)} "
                "group by status order by claims desc",
                params,
            ).df()
            review = con.execute(
                f"select reason, count(*) as entries from marts.fct_parser_review where "
                f"{_months_filter('entry_at', start, end)} group by reason order by entries desc",
                params,
            ).df()
            exceptions = _exceptions(con, start, end, params)
            outcomes = _review_outcomes(con, start, end, params)
        except Exception as exc:  # noqa: BLE001 - the marts are not built yet
            raise UserError(
                f"the marts are not built in {warehouse}: run `dacall run` first "
                f"({str(exc).splitlines()[0]})"
            ) from exc
    finally:
        con.close()
    sections = []
    if monthly.empty:
        return _publish(folder, warehouse, sections, start or "-", end or "-", exceptions, origin)
    months = monthly["month"].astype(str).str[:7]

    def chart(title: str, sentence: str, draw) -> None:
        figure, axis = plt.subplots(figsize=(8, 3.2))
        draw(axis)
        axis.spines[["top", "right"]].set_visible(False)
        sections.append((title, sentence, _svg(figure)))

    pct = monthly["pct_999_answered_within_target"]
    latest = pct.iloc[-1]
    seconds, standard = dbt_var("answer_target_seconds"), dbt_var("answer_standard_pct")
    callback_minutes = dbt_var("callback_target_minutes")
    verdict = "meeting" if latest >= standard else "below"
    chart(
        f"999 calls answered within {seconds} seconds",
        f"In {months.iloc[-1]} {latest:.1f}% of answered 999 calls were answered within "
        f"{seconds} seconds, {verdict} the {standard}% standard; "
        f"{int((pct >= standard).sum())} of {len(pct)} months met it.",
        lambda ax: (
            ax.plot(months, pct, marker="o", label=f"answered within {seconds} s"),
            ax.axhline(standard, color="red", linestyle="--", label=f"{standard}% standard"),
            ax.set_ylim(0, 100),
            ax.set_ylabel("% of answered 999 calls"),
            ax.legend(frameon=False),
            ax.tick_params(axis="x", rotation=45),
        ),
    )
    chart(
        f"Abandoned and silent calls, and call-backs within {callback_minutes} minutes",
        f"Over the period {int(monthly['abandoned_calls'].sum()):,} calls were abandoned and "
        f"{int(monthly['silent_calls'].sum()):,} were silent; "
        f"{monthly['pct_called_back_within_target'].mean():.0f}% of them were called back "
        f"within {callback_minutes} minutes on average.",
        lambda ax: (
            ax.bar(months, monthly["abandoned_calls"], label="abandoned"),
            ax.bar(
                months, monthly["silent_calls"], bottom=monthly["abandoned_calls"], label="silent"
            ),
            _percent_line(
                ax.twinx(),
                months,
                monthly["pct_called_back_within_target"],
                f"% called back within {callback_minutes} min (line)",
            ),
            ax.set_ylabel("calls"),
            ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1), ncols=2),
            ax.tick_params(axis="x", rotation=45),
        ),
    )
    chart(
        "Grade 1 attendance within target",
        f"{monthly['pct_grade1_within_target'].mean():.0f}% of Grade 1 incidents were attended "
        "within 15 minutes (urban) or 20 minutes (rural) on average.",
        lambda ax: (
            ax.plot(months, monthly["pct_grade1_within_target"], marker="o"),
            ax.set_ylim(0, 100),
            ax.set_ylabel("% within target"),
            ax.tick_params(axis="x", rotation=45),
        ),
    )
    chart(
        "Repeat callers",
        f"{int(monthly['repeat_caller_incidents'].sum()):,} incidents came from callers with an "
        "earlier domestic incident.",
        lambda ax: (
            ax.bar(months, monthly["repeat_caller_incidents"]),
            ax.set_ylabel("incidents"),
            ax.tick_params(axis="x", rotation=45),
        ),
    )
    by_system = _matched_checks(compliance, compliance["system"])
    chart(
        "Checks claimed and verified, by system",
        _lowest_share(by_system, "system"),
        lambda ax: (
            ax.bar(by_system.index, by_system["claims"], label="claimed"),
            ax.bar(by_system.index, by_system["matched"], label="with a matching audit entry"),
            ax.legend(frameon=False),
            ax.set_ylabel("claims"),
        ),
    )
    by_month = _matched_checks(compliance, compliance["month"].astype(str).str[:7])
    matched_pct = by_month["matched_pct"]
    chart(
        "Checks with a matching audit entry, by month",
        f"In {matched_pct.index[-1]} {matched_pct.iloc[-1]:.0f}% of claimed checks had a "
        "matching audit entry. " + _lowest_share(by_month, "month"),
        lambda ax: (
            _percent_line(ax, matched_pct.index, matched_pct, "% of claimed checks"),
            ax.tick_params(axis="x", rotation=45),
        ),
    )
    by_team = _matched_checks(compliance, "team").sort_values("exceptions")
    chart(
        "Checks claimed and verified, by the claimant's team",
        f"{by_team['exceptions'].idxmax()} logged the most checks without a matching audit "
        f"entry ({int(by_team['exceptions'].max()):,}). " + _lowest_share(by_team, "team"),
        lambda ax: (
            ax.barh(by_team.index, by_team["claims"], label="claimed"),
            ax.barh(
                by_team.index,
                by_team["matched"],
                label="with a matching audit entry",
            ),
            ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1), ncols=2),
            ax.set_xlabel("claims"),
        ),
    )
    chart(
        "Exceptions by status",
        f"The commonest exception is {statuses.iloc[0]['status']} "
        f"({int(statuses.iloc[0]['claims']):,} claims)."
        if not statuses.empty
        else "No claim is without a matching audit entry.",
        lambda ax: (
            ax.bar(statuses["status"], statuses["claims"]),
            ax.tick_params(axis="x", rotation=30),
            ax.set_ylabel("claims"),
        ),
    )
    chart(
        "Incidents with missed history",
        f"{int(monthly['missed_history_incidents'].sum()):,} incidents had history the checks "
        "would have shown, checks not all verified, and no deployment or a grade 3-4.",
        lambda ax: (
            ax.bar(months, monthly["missed_history_incidents"], color="firebrick"),
            ax.set_ylabel("incidents"),
            ax.tick_params(axis="x", rotation=45),
        ),
    )

    if not outcomes.empty:
        by_outcome = outcomes.groupby("outcome")["incidents"].sum().sort_values()
        by_month = outcomes.pivot_table(
            index="month", columns="outcome", values="incidents", aggfunc="sum", fill_value=0
        )
        chart(
            "Review outcomes",
            f"Reviewers recorded outcomes for {int(by_outcome.sum()):,} incident-system pairs; "
            f"the commonest outcome is {by_outcome.index[-1]} ({int(by_outcome.iloc[-1]):,}).",
            lambda ax: (
                by_month.plot.bar(ax=ax, stacked=True, rot=45),
                ax.set_xticklabels([str(m)[:7] for m in by_month.index]),
                ax.set_ylabel("incidents (per system)"),
                ax.legend(frameon=False, fontsize="small"),
            ),
        )

    if not review.empty:
        chart(
            "Log entries the claims parser was unsure of",
            f"{int(review['entries'].sum()):,} entries to label (marts.fct_parser_review), by "
            "reason: entries naming a system or check word with no claim read, and claims on a "
            "guessed spelling or on the standard check set (docs/claims-parser.md).",
            lambda ax: (
                ax.barh(review["reason"], review["entries"], color="slategray"),
                ax.set_xlabel("log entries"),
                ax.invert_yaxis(),
            ),
        )

    return _publish(
        folder,
        warehouse,
        sections,
        start or months.iloc[0],
        end or months.iloc[-1],
        exceptions,
        origin,
    )


def _origin(con, warehouse: Path, run_id: str | None) -> str:
    """Which warehouse and run the figures come from: the run given, or the latest run that
    built the marts."""
    try:
        row = con.execute(
            "select run_id, strftime(max(finished_at), '%Y-%m-%d %H:%M:%S') "
            "from audit.pipeline_runs where step = 'transform:marts' and status <> 'failed' "
            "and (run_id = $run or $run is null) group by run_id order by 2 desc limit 1",
            {"run": run_id},
        ).fetchone()
    except Exception:  # noqa: BLE001 - a warehouse built before runs were recorded
        row = None
    run = f"run {row[0]}, marts built {row[1]} UTC" if row else "run unknown"
    return f"warehouse {warehouse.resolve()}, {run}"


def _review_outcomes(con, start, end, params):
    """Outcomes recorded in the review app, by month and outcome (an empty frame if none)."""
    try:
        return con.execute(
            f"select month, outcome, sum(incidents) as incidents "
            f"from marts.mart_review_outcomes_monthly where {_months_filter('month', start, end)} "
            "group by all order by month",
            params,
        ).df()
    except Exception:  # noqa: BLE001 - a warehouse built before the review loop existed
        import pandas as pd

        return pd.DataFrame(columns=["month", "outcome", "incidents"])


def _publish(
    folder: Path, warehouse: Path, sections, start: str, end: str, exceptions: list, origin: str
) -> Path:
    write_private(folder / "exceptions.csv", csv_bytes(EXCEPTION_COLUMNS, exceptions))
    dbt_docs = _copy_dbt_docs(warehouse, folder)
    page = _page(
        sections,
        start,
        end,
        len(exceptions),
        dbt_docs,
        (folder / "data_docs" / "index.html").exists(),
        origin,
    )
    report_path = folder / "report.html"
    write_private(report_path, page.encode("utf-8"))
    return report_path


def _exceptions(con, start, end, params) -> list[list]:
    claims = con.execute(
        f"""
        select 'claim without matching audit', r.incident_urn, r.log_seq, l.entry_text,
               r.claimed_by, strftime(r.claimed_at, '%Y-%m-%d %H:%M:%S'), r.system,
               r.subject_type, r.status, r.reason, r.audit_ref,
               strftime(r.audit_at, '%Y-%m-%d %H:%M:%S')
        from marts.fct_check_reconciliation r
        left join staging.stg_cc_log l using (incident_urn, log_seq)
        where not r.has_matching_audit and {_months_filter("r.claimed_at", start, end)}
        order by r.incident_urn, r.log_seq, r.system, r.subject_type
    """,
        params,
    ).fetchall()
    lookback = int(dbt_var("marac_lookback_months"))
    missed = con.execute(
        f"""
        select 'missed history', h.incident_urn, null, null, i.handler,
               strftime(i.created_at, '%Y-%m-%d %H:%M:%S'), null, null, null,
               'History was visible (' || h.prior_incidents_person || ' earlier incidents of the '
               || 'caller, ' || h.prior_incidents_address || ' at the address, '
               || h.prior_incidents_telephone || ' from the number, '
               || h.marac_referrals_in_lookback || ' MARAC referrals in {lookback} months, '
               || h.mash_referrals || ' MASH, '
               || h.victim_support_referrals || ' Victim Support), ' || i.unverified_claims
               || ' of ' || i.claims || ' claimed checks unverified, final grade '
               || i.final_grade
               || case when i.is_deployed then ', deployed' else ', not deployed' end
               || '.', null, null
        from marts.fct_prior_history h join marts.fct_incidents i using (incident_urn)
        where h.missed_history and {_months_filter("i.created_at", start, end)}
        order by h.incident_urn
    """,
        params,
    ).fetchall()
    return [list(row) for row in claims + missed]


def _copy_dbt_docs(warehouse: Path, folder: Path) -> bool:
    from dacall.transform import dbt_target

    source = dbt_target(warehouse) / "static_index.html"
    if source.exists():
        write_private(folder / "dbt_docs.html", source.read_bytes())
        return True
    return False


def _page(sections, start, end, exceptions, dbt_docs: bool, data_docs: bool, origin: str) -> str:
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    links = []
    if data_docs:
        links.append('<a href="data_docs/index.html">Great Expectations Data Docs</a>')
    if dbt_docs:
        links.append('<a href="dbt_docs.html">dbt documentation of the models</a>')
    body = (
        "<p>No incidents in this period.</p>"
        if not sections
        else "\n".join(
            f'<section><h2>{html.escape(title)}</h2><p class="reading">{html.escape(sentence)}</p>'
            f'<figure class="chart">{svg}</figure></section>'
            for title, sentence, svg in sections
        )
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
  content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>dacall report {html.escape(start)} to {html.escape(end)}</title>
<style>
body {{ font-family: sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
h1 {{ font-size: 1.6rem; }} h2 {{ font-size: 1.15rem; margin-top: 2rem; }}
.reading {{ margin: .3rem 0 .6rem; }} figure {{ margin: 0; }}
svg {{ max-width: 100%; height: auto; }}
</style></head><body>
<h1>Call handling and check compliance, {html.escape(start)} to {html.escape(end)}</h1>
<p class="origin">Made {made} from {html.escape(origin)}.</p>
<p>The exception list beside this page (<a href="exceptions.csv">exceptions.csv</a>,
{exceptions:,} rows) gives reviewers the evidence for every claim without a matching audit entry
and every incident with missed history. {" · ".join(links)}</p>
{body}
</body></html>
"""
