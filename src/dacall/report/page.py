"""The report's files: report.html from its template, exceptions.csv (written from the marts
through csv_out, so no cell runs as a spreadsheet formula) and a copy of the dbt docs, all
owner-only."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from dacall.csv_out import write_query_csv
from dacall.report.queries import exceptions_query
from dacall.report.sections import Section
from dacall.warehouse import connect, write_private

# Autoescape on whatever the file's name: titles, readings and the origin hold names from
# the data (teams, statuses, folders), which are hostile until escaped.
_TEMPLATES = Environment(
    loader=PackageLoader("dacall.report", "templates"), autoescape=True, keep_trailing_newline=True
)


def render_page(
    sections: list[Section],
    start: str,
    end: str,
    exceptions: int,
    origin: str,
    dbt_docs: bool,
    data_docs: bool,
) -> str:
    return _TEMPLATES.get_template("report.html").render(
        sections=[
            # matplotlib writes the SVG and escapes the text in it: the one value not escaped.
            Section(section.title, section.reading, Markup(section.svg))
            for section in sections
        ],
        start=start,
        end=end,
        exceptions=f"{exceptions:,}",
        origin=origin,
        made=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        dbt_docs=dbt_docs,
        data_docs=data_docs,
    )


def publish(
    folder: Path,
    warehouse: Path,
    sections: list[Section],
    start: str,
    end: str,
    period: tuple[str | None, str | None],
    origin: str,
) -> Path:
    con = connect(warehouse, read_only=True)
    try:
        exceptions = write_query_csv(con, *exceptions_query(*period), folder / "exceptions.csv")
    finally:
        con.close()
    page = render_page(
        sections,
        start,
        end,
        exceptions,
        origin,
        dbt_docs=_copy_dbt_docs(warehouse, folder),
        data_docs=(folder / "data_docs" / "index.html").exists(),
    )
    report_path = folder / "report.html"
    write_private(report_path, page.encode("utf-8"))
    return report_path


def _copy_dbt_docs(warehouse: Path, folder: Path) -> bool:
    from dacall.transform import dbt_target

    source = dbt_target(warehouse) / "static_index.html"
    if source.exists():
        write_private(folder / "dbt_docs.html", source.read_bytes())
        return True
    return False
