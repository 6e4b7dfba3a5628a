"""What the report shows, read from the marts (read-only): every figure and every row of the
exception list is made in dbt (mart_report_exceptions, mart_parser_review_monthly and the
monthly marts), so each has lineage, tests and a contract; here they are only selected by
period and summed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dacall.settings import UserError
from dacall.warehouse import connect

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


@dataclass(frozen=True)
class ReportData:
    """The figures of one period. Frames hold plain columns named as in the marts."""

    origin: str
    monthly: pd.DataFrame  # mart_call_handling_monthly, by month
    compliance: pd.DataFrame  # mart_check_compliance_monthly: month, system, team, counts
    statuses: pd.DataFrame  # status, claims: the claims without a matching audit entry
    parser_review: pd.DataFrame  # reason, entries
    outcomes: pd.DataFrame  # month, outcome, incidents (empty before any review)


def _in_period(start: str | None, end: str | None) -> str:
    """A where clause on the marts' `month` (first day of a local month). Fixed text only:
    the period's bounds travel as parameters."""
    clauses = []
    if start:
        clauses.append("strftime(month, '%Y-%m') >= $start")
    if end:
        clauses.append("strftime(month, '%Y-%m') <= $end")
    return " and ".join(clauses) or "true"


# The exception list's times, written to the second in UTC; every other column as the mart holds it.
_EXCEPTION_TIMES = ("claimed_at", "nearest_audit_at")


def exceptions_query(start: str | None, end: str | None) -> tuple[str, dict]:
    """The query of the period's exception list (EXCEPTION_COLUMNS, in order) and its
    parameters; written to exceptions.csv by DuckDB (csv_out.write_query_csv)."""
    columns = ", ".join(
        f"strftime({c}, '%Y-%m-%d %H:%M:%S') as {c}" if c in _EXCEPTION_TIMES else c
        for c in EXCEPTION_COLUMNS
    )
    return (
        f"select {columns} from marts.mart_report_exceptions where {_in_period(start, end)} "
        "order by kind, incident_urn, log_seq, system, subject_type",
        _period_params(start, end),
    )


def _period_params(start: str | None, end: str | None) -> dict:
    return {k: v for k, v in (("start", start), ("end", end)) if v}


def read_report_data(
    warehouse: Path, start: str | None, end: str | None, run_id: str | None
) -> ReportData:
    """The period's figures from the warehouse, opened read-only; a one-line UserError if the
    marts are not built."""
    period = _in_period(start, end)
    params = _period_params(start, end)
    con = connect(warehouse, read_only=True)
    try:
        origin = _origin(con, warehouse, run_id)
        try:
            monthly = con.execute(
                f"select * from marts.mart_call_handling_monthly where {period} order by month",
                params,
            ).df()
            compliance = con.execute(
                f"select * from marts.mart_check_compliance_monthly where {period}", params
            ).df()
            statuses = con.execute(
                "select status, count(*) as claims from marts.mart_report_exceptions "
                f"where kind = 'claim without matching audit' and {period} "
                "group by status order by claims desc, status",
                params,
            ).df()
            parser_review = con.execute(
                "select reason, sum(entries) as entries from marts.mart_parser_review_monthly "
                f"where {period} group by reason order by entries desc, reason",
                params,
            ).df()
        except Exception as exc:  # noqa: BLE001 - the marts are not built yet
            raise UserError(
                f"the marts are not built in {warehouse}: run `dacall run` first "
                f"({str(exc).splitlines()[0]})"
            ) from exc
        outcomes = _review_outcomes(con, period, params)
    finally:
        con.close()
    return ReportData(
        origin=origin,
        monthly=monthly,
        compliance=compliance,
        statuses=statuses,
        parser_review=parser_review,
        outcomes=outcomes,
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


def _review_outcomes(con, period: str, params: dict) -> pd.DataFrame:
    """Outcomes recorded in the review app, by month and outcome (an empty frame if none)."""
    try:
        return con.execute(
            "select month, outcome, sum(incidents) as incidents "
            f"from marts.mart_review_outcomes_monthly where {period} "
            "group by all order by month, outcome",
            params,
        ).df()
    except Exception:  # noqa: BLE001 - a warehouse built before the review loop existed
        return pd.DataFrame(columns=["month", "outcome", "incidents"])
