"""Every CSV the project writes for people (the exception list, partner extracts) goes through
here, so that no cell can act as a spreadsheet formula.

Log text can come from the public (online reports) and partner references from partners'
systems: a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a
formula by Excel and LibreOffice when the file is opened. As OWASP recommends (CSV Injection),
such a cell is written with a single quote in front, which the spreadsheet shows as text.
Numbers are written as numbers: only text is neutralised.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The value as a spreadsheet will show it, never run it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: list[str], rows: Iterable[Iterable]) -> bytes:
    """A UTF-8 CSV of the rows, every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; a lone CR is quoted too
    writer.writerow([neutralise(h) for h in header])
    writer.writerows([neutralise(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def frame_csv_bytes(frame) -> bytes:
    """A pandas DataFrame as a UTF-8 CSV, every text cell neutralised."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    safe = frame.copy()
    for column in safe.columns:
        if is_object_dtype(safe[column]) or is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _neutralised_sql(column: str) -> str:
    """neutralise() in DuckDB's SQL, for a text column. An empty text is written as Python's
    csv writes it, as nothing (DuckDB would write `""`)."""
    starts = ", ".join(_sql_text(start) for start in FORMULA_STARTS)
    name = _sql_name(column)
    quote = _sql_text("'")
    return (
        f"case when left({name}, 1) in ({starts}) then {quote} || {name} "
        f"else nullif({name}, '') end"
    )


def write_query_csv(con, query: str, params: Mapping | None, path: Path) -> int:
    """The rows of `query` (run on the DuckDB connection `con`) as a UTF-8 CSV at `path`, as
    csv_bytes() writes them (RFC 4180, CRLF, every text cell neutralised), but by DuckDB's own
    CSV writer: at five years of history it wrote the exception list in a third of the time
    Python's took. The file is owner-only and replaces `path` whole; returns the rows."""
    params = dict(params or {})
    described = con.execute(f"describe ({query})", params).fetchall()
    columns = ", ".join(
        (_neutralised_sql(name) if kind == "VARCHAR" else _sql_name(name))
        + " as "
        + _sql_name(neutralise(name))
        for name, kind, *_rest in described
    )
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(descriptor)  # created owner-only; DuckDB writes it again
    try:
        ((rows,),) = con.execute(
            f"copy (select {columns} from ({query})) to {_sql_text(temporary)} "
            r"(format csv, header, new_line '\r\n', comment '')",
            params,
        ).fetchall()
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return int(rows)
