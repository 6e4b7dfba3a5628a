"""Readers for the three source formats, exactly as feeds.md describes them.

A reader turns a delivered file into rows, each either values to load or a reason to
quarantine it; a fault in the file as a whole raises FileFault with one reason. Every record
the file holds is yielded exactly once, so rows read = rows loaded + rows quarantined.

Windows-1252 is decoded here, record by record, rather than by DuckDB: DuckDB's latin-1
reader rejects the bytes 0x80-0x9F (curly quotes, dashes, the euro sign) that cp1252 uses,
and its encodings extension would have to be fetched at run time.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass

from dacall.ingest.feeds import Feed

UNDEFINED_CP1252 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
UTF8_BOM = b"\xef\xbb\xbf"


class FileFault(Exception):
    """The file cannot be read at all; the message says why, in one line."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Row:
    line: int  # physical line the record starts on (1 = first line of the file)
    raw: str  # the record as delivered (decoded as far as possible)
    values: list[str] | None  # in the feed's column order; None when quarantined
    fault: str | None


def read(feed: Feed, data: bytes) -> Iterator[Row]:
    if feed.format == "csv":
        return _read_csv(feed, data)
    if feed.format == "fixed":
        return _read_fixed(feed, data)
    if feed.format == "jsonl":
        return _read_jsonl(feed, data)
    raise ValueError(f"unknown format {feed.format}")


def check_file(feed: Feed, data: bytes) -> None:
    """The faults of a file as a whole (encoding, emptiness, a cut-off end): FileFault."""
    _check_encoding_throughout(feed, data)
    if feed.format == "csv":
        body = data[3:] if feed.encoding == "utf-8-sig" and data.startswith(UTF8_BOM) else data
        if not body.strip():
            raise FileFault("file is empty: the header line is missing")
    _check_file_end(data)


def _check_file_end(data: bytes) -> None:
    if data and not data.endswith(b"\n"):
        raise FileFault(
            "file ends in the middle of a row (no final line end): cut off in transfer?"
        )


def _check_encoding_throughout(feed: Feed, data: bytes) -> None:
    nul = data.find(b"\x00")
    if nul >= 0:
        raise FileFault(
            f"file holds NUL bytes (the first at byte {nul + 1:,}): UTF-16 or binary, "
            "not the expected text encoding"
        )
    if data.startswith(UTF8_BOM) and not feed.encoding.startswith("utf-8"):
        expected = "Windows-1252" if feed.encoding == "cp1252" else feed.encoding.upper()
        raise FileFault(
            f"file starts with a UTF-8 byte-order mark: saved as UTF-8, expected {expected}"
        )
    if feed.encoding == "cp1252" and not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return
        raise FileFault("file is encoded as UTF-8 throughout, expected Windows-1252")
    if feed.encoding.startswith("utf-8"):
        try:
            data.decode("utf-8")
            return
        except UnicodeDecodeError:
            pass
        lines = data.split(b"\n")
        bad = 0
        for line in lines:
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                bad += 1
        non_ascii = sum(1 for line in lines if any(b >= 0x80 for b in line))
        if non_ascii and bad == non_ascii and bad > 1:
            raise FileFault(
                "file is not UTF-8 throughout (Windows-1252 or Latin-1?), expected UTF-8"
            )


def _decode_record(feed: Feed, raw: bytes) -> tuple[str, str | None]:
    """Decode one record; an undecodable byte quarantines that record alone."""
    encoding = "utf-8" if feed.encoding == "utf-8-sig" else feed.encoding
    try:
        return raw.decode(encoding), None
    except UnicodeDecodeError as exc:
        bad = raw[exc.start]
        return raw.decode(encoding, errors="replace"), (
            f"byte 0x{bad:02X} at position {exc.start + 1} cannot be decoded as {feed.encoding}"
        )


def _lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """The numbered lines of a file with one record a line, without their line ends."""
    for line_no, raw in enumerate(data.split(b"\n")[:-1], start=1):
        yield line_no, raw[:-1] if raw.endswith(b"\r") else raw


def _decoded(feed: Feed, records) -> Iterator[tuple[int, str, str | None]]:
    """Each record decoded, with the fault that quarantines it: an undecodable byte, or
    nothing on the line at all."""
    for line, raw in records:
        text, fault = _decode_record(feed, raw)
        if fault is None and not text.strip():
            fault = "blank line"
        yield line, text, fault


def _split_records(data: bytes) -> Iterator[tuple[int, bytes]]:
    """CSV records with their first line number: a quoted field may hold line breaks."""
    line_no = 0
    start_line = 1
    pending: list[bytes] = []
    quotes = 0
    for line in data.splitlines(keepends=True):
        line_no += 1
        if not pending:
            start_line = line_no
        pending.append(line)
        quotes += line.count(b'"')
        if quotes % 2 == 0:
            yield start_line, b"".join(pending)
            pending, quotes = [], 0
    if pending:
        raise FileFault(
            f"a quoted field opened on line {start_line} is never closed: file cut off?"
        )


def _strip_line_end(record: bytes) -> bytes:
    if record.endswith(b"\r\n"):
        return record[:-2]
    if record.endswith(b"\n"):
        return record[:-1]
    return record


def _read_csv(feed: Feed, data: bytes) -> Iterator[Row]:
    check_file(feed, data)
    if feed.encoding == "utf-8-sig" and data.startswith(UTF8_BOM):
        data = data[3:]
    records = _split_records(data)
    _, header_raw = next(records)
    header_text, bad = _decode_record(feed, _strip_line_end(header_raw))
    header = next(csv.reader([header_text]))
    if header != list(feed.columns):
        expected = ",".join(feed.columns)
        got = ",".join(header)[:200]
        if set(header) == set(feed.columns):
            raise FileFault(f"header has the expected columns in another order: {got}")
        missing = [c for c in feed.columns if c not in header]
        extra = [c for c in header if c not in feed.columns]
        if len(missing) > len(feed.columns) // 2:
            # Not this feed's header at all: the first line may be data, never quoted back.
            raise FileFault(
                f"unknown header (expected {expected}; the first line has "
                f"{len(feed.columns) - len(missing)} of these {len(feed.columns)} columns: "
                "header missing, or another feed's file?)"
            )
        raise FileFault(
            f"unknown header (expected {expected}; missing {', '.join(missing) or 'none'}"
            f"; extra {', '.join(extra)[:200] or 'none'})"
        )
    width = len(feed.columns)
    columns = feed.columns
    for line, text, fault in _decoded(feed, ((n, _strip_line_end(r)) for n, r in records)):
        if fault is not None:
            yield Row(line, text, None, fault)
            continue
        try:
            values = next(csv.reader([text]))
        except csv.Error as exc:
            yield Row(line, text, None, f"not valid CSV: {exc}")
            continue
        if len(values) != width:
            yield Row(line, text, None, f"{len(values)} columns, expected {width}")
            continue
        fault = feed.row_fault(dict(zip(columns, values, strict=True)))
        yield Row(line, text, None if fault else values, fault)


def _read_fixed(feed: Feed, data: bytes) -> Iterator[Row]:
    check_file(feed, data)
    width = max(start - 1 + size for _, start, size in feed.fields)
    names = [name for name, _, _ in feed.fields]
    for line_no, text, fault in _decoded(feed, _lines(data)):
        if fault is not None:
            yield Row(line_no, text, None, fault)
            continue
        if len(text) != width:
            kind = "short" if len(text) < width else "long"
            yield Row(line_no, text, None, f"{kind} line: {len(text)} characters, expected {width}")
            continue
        values = [text[start - 1 : start - 1 + size].strip() for _, start, size in feed.fields]
        fault = feed.row_fault(dict(zip(names, values, strict=True)))
        yield Row(line_no, text, None if fault else values, fault)


PND_TOP = {"event_id": "EVENT_ID", "user": "USER", "ts": "TS", "hits": "HITS"}
PND_SEARCH = {
    "kind": "SEARCH_KIND",
    "surname": "SURNAME",
    "forename": "FORENAME",
    "dob": "DOB",
    "address": "ADDRESS",
    "postcode": "POSTCODE",
    "phone": "PHONE",
    "vrm": "VRM",
    "name": "NAME",
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _read_jsonl(feed: Feed, data: bytes) -> Iterator[Row]:
    check_file(feed, data)
    columns = feed.columns
    for line_no, text, fault in _decoded(feed, _lines(data)):
        if fault is not None:
            yield Row(line_no, text, None, fault)
            continue
        try:
            event = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Row(line_no, text, None, f"broken JSON: {exc.msg} at character {exc.pos + 1}")
            continue
        if not isinstance(event, dict) or not isinstance(event.get("search"), dict):
            yield Row(line_no, text, None, "JSON line is not an event with a search object")
            continue
        values = dict.fromkeys(columns, "")
        for key, column in PND_TOP.items():
            values[column] = _text(event.get(key))
        for key, column in PND_SEARCH.items():
            values[column] = _text(event["search"].get(key))
        values["RAW_JSON"] = text
        fault = feed.row_fault(values)
        yield Row(line_no, text, None if fault else [values[c] for c in columns], fault)
