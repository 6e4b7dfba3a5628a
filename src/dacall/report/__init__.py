"""`dacall report`: a self-contained HTML report and the exception list for reviewers.

In four parts: `queries` reads the figures and the exception list from the marts (made in
dbt: mart_report_exceptions, mart_parser_review_monthly and the monthly marts), `sections`
gives each chart its title and one-sentence reading, `charts` draws each chart as SVG, and
`page` renders templates/report.html and writes the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dacall import paths
from dacall.report.queries import EXCEPTION_COLUMNS, ReportData, read_report_data
from dacall.report.sections import Section, sections
from dacall.warehouse import owner_only, private_dir, require_warehouse

__all__ = ["EXCEPTION_COLUMNS", "make_report", "prepare_report", "write_report"]


@dataclass(frozen=True)
class PreparedReport:
    """A report's figures and drawn charts, not yet written."""

    data: ReportData
    sections: list[Section]
    start: str
    end: str
    period: tuple[str | None, str | None]  # as asked: None for no bound


def prepare_report(
    warehouse: Path, start: str | None = None, end: str | None = None, run_id: str | None = None
) -> PreparedReport:
    """Read the figures from the marts and draw the charts: reads the warehouse (read-only) and
    writes nothing, so it can run while other work reads the warehouse too. The exception list
    is read when it is written (write_report), by DuckDB."""
    data = read_report_data(warehouse, start, end, run_id)
    months = [str(month)[:7] for month in data.monthly["month"]]
    return PreparedReport(
        data,
        sections(data),
        start or (months[0] if months else "-"),
        end or (months[-1] if months else "-"),
        (start, end),
    )


def write_report(prepared: PreparedReport, warehouse: Path, out: Path | None = None) -> Path:
    """report.html and exceptions.csv in `out` (default: the reports folder of the warehouse,
    see `paths.reports_for`). Reads the exception list from the warehouse (read-only)."""
    from dacall.report.page import publish

    with owner_only():
        folder = private_dir(Path(out or paths.reports_for(warehouse)))
        return publish(
            folder,
            warehouse,
            prepared.sections,
            prepared.start,
            prepared.end,
            prepared.period,
            prepared.data.origin,
        )


def make_report(
    warehouse: Path | None = None,
    out: Path | None = None,
    start: str | None = None,
    end: str | None = None,
    run_id: str | None = None,
) -> Path:
    """report.html and exceptions.csv in `out` (default: the reports folder of the
    warehouse, see `paths.reports_for`), for the months `start` to `end` (YYYY-MM, local)."""
    warehouse = paths.warehouse_or_configured(warehouse)
    require_warehouse(warehouse)  # said before a reports folder is made for nothing
    with owner_only():  # a folder that cannot be written is said before the marts are read
        folder = private_dir(Path(out or paths.reports_for(warehouse)))
    return write_report(prepare_report(warehouse, start, end, run_id), warehouse, folder)
