"""File writers for each source format, exactly as feeds.md describes them.

Files are written under a temporary name and renamed in, as the source systems do, so a reader
never sees half a file.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path


def publish(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def csv_bytes(
    header: list[str] | None,
    rows: list[list[str]],
    *,
    encoding: str,
    crlf: bool,
    bom: bool = False,
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def pnc_line(
    txn_id: str,
    user: str,
    date8: str,
    time6: str,
    txn: str,
    surname: str = "",
    forenames: str = "",
    dob8: str = "",
    reason: str = "",
    vrm: str = "",
) -> str:
    return (
        f"{txn_id:<12.12}{user:<8.8}{date8:<8.8}{time6:<6.6}{txn:<4.4}"
        f"{surname:<20.20}{forenames:<20.20}{dob8:<8.8}{reason:<2.2}{vrm:<8.8}"
    )


def pnd_line(event: dict) -> str:
    return json.dumps(event, ensure_ascii=False)
