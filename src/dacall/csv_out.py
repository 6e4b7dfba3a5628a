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
from collections.abc import Iterable

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
