"""The fast path of ingestion: a clean file parsed in bulk, its rows checked by DuckDB.

A delivery is decoded in one step and split by C code (Arrow's CSV reader, str.split), the
fixed-width fields are cut by Arrow, and the value checks of config/feeds.yml run as one SQL
predicate over the whole file. The fast path only ever takes a file the record-by-record
readers (readers.py) would load whole: anything unusual (an undecodable byte, a blank or
short line, a wrong column count, a stray carriage return, a value that fails a check) sends
the file back to those readers, which say row by row what is wrong with it. So the two paths
load the same rows, and quarantine stays the readers' job.

Each check's SQL is at least as strict as its Python twin in feeds.py (ASCII digits only, real
dates and times), so a file the SQL passes is a file the readers would pass; the other way
round only costs a detour through the readers. tests/test_ingest_bulk.py holds them to that.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv

from dacall.ingest.feeds import Feed
from dacall.ingest.readers import PND_SEARCH, PND_TOP, FileFault, check_file

# Python's str.strip() on ASCII text removes these; Arrow's utf8_trim must remove the same.
_ASCII_WHITESPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"

_HHMMSS = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"


def _dated(shape: str, strptime_format: str, year_at: int, date_chars: int | None = None) -> str:
    """SQL true when {v} has the shape (ASCII digits), is a real date (and time), and its year
    is 1850 or later. date_chars: parse only that many leading characters as the date."""
    parsed = f"substr({{v}}, 1, {date_chars})" if date_chars else "{v}"
    return (
        f"regexp_full_match({{v}}, '{shape}') "
        f"and try_strptime({parsed}, '{strptime_format}') is not null "
        f"and substr({{v}}, {year_at}, 4) >= '1850'"
    )


# kind -> SQL that is true when the non-empty value {v} passes the check (see feeds.CHECKS).
CHECK_SQL = {
    "ts_dmy": _dated("[0-9]{2}/[0-9]{2}/[0-9]{4} " + _HHMMSS, "%d/%m/%Y %H:%M:%S", year_at=7),
    "date_dmy": _dated("[0-9]{2}/[0-9]{2}/[0-9]{4}", "%d/%m/%Y", year_at=7),
    "ts_iso": _dated("[0-9]{4}-[0-9]{2}-[0-9]{2} " + _HHMMSS, "%Y-%m-%d %H:%M:%S", year_at=1),
    "date_iso": _dated("[0-9]{4}-[0-9]{2}-[0-9]{2}", "%Y-%m-%d", year_at=1),
    "ts_utc_z": _dated(
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T" + _HHMMSS + "([.][0-9]{1,6})?Z",
        "%Y-%m-%d",
        year_at=1,
        date_chars=10,
    ),
    "date8": _dated("[0-9]{8}", "%Y%m%d", year_at=1),
    "time6": "regexp_full_match({v}, '([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]')",
    "int": "regexp_full_match({v}, '-?[0-9]+')",
}


def quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def rows_pass_sql(feed: Feed) -> str:
    """One SQL predicate over the raw table's column names: true when a row passes every
    check feeds.yml sets for the feed."""
    terms = []
    names = dict(zip(feed.columns, feed.table_columns, strict=True))
    for column, kinds in feed.checks.items():
        v = quoted(names[column])
        for kind in kinds:
            if kind == "required":
                terms.append(f"{v} <> ''")
            else:
                terms.append(f"({v} = '' or ({CHECK_SQL[kind].replace('{v}', v)}))")
    return " and ".join(terms) or "true"


@dataclass(frozen=True)
class Parsed:
    """A clean file's rows: `table` as delivered, with `_line`. Its columns are the raw
    table's, unless `fields` is given: then `fields` is the SQL that gives them, and
    `precondition` SQL that is false for a record that sends the file back to the readers,
    both over `source` (the group's tables as `_incoming`, or a query of them)."""

    table: pa.Table
    fields: str | None = None
    precondition: str = "true"
    source: str = "_incoming"


def parse(feed: Feed, data: bytes) -> Parsed | None:
    """The file's rows in bulk, or None when the record-by-record readers must take it.
    Raises FileFault for a fault in the file as a whole, exactly as the readers would."""
    parser = _PARSERS.get(feed.format)
    if parser is None:
        return None
    check_file(feed, data)
    return parser(feed, data)


def _decode(feed: Feed, data: bytes) -> str | None:
    encoding = "utf-8" if feed.encoding == "utf-8-sig" else feed.encoding
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    if feed.encoding == "utf-8-sig" and text.startswith("\ufeff"):
        text = text[1:]
    # A carriage return alone is a line end to the readers and not to csv: leave it to them.
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    return text


def columns_as_they_are(feed: Feed) -> str:
    return ", ".join(quoted(c) for c in feed.table_columns)


def _parse_csv(feed: Feed, data: bytes) -> Parsed | None:
    text = _decode(feed, data)
    if text is None:
        return None
    table = _csv_by_arrow(feed, text)
    if table is None:
        table = _csv_by_python(feed, text)
    return None if table is None else Parsed(table)


def _csv_by_arrow(feed: Feed, text: str) -> pa.Table | None:
    """The rows as Arrow's C++ reader splits them, where that is provably what Python's csv
    module gives (tests/test_ingest_bulk.py compares the two on random texts), line numbers
    included: a file with no blank line (Arrow and csv read one differently) whose header is
    the feed's. Anything else: None, and csv decides."""
    if "\n\n" in text or "\n\r\n" in text:
        return None
    header_end = text.find("\n") + 1
    try:
        header = next(csv.reader(io.StringIO(text[:header_end], newline="")), None)
    except csv.Error:
        return None
    if header != list(feed.columns):
        return None
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text[header_end:].encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=feed.table_columns, use_threads=False),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(feed.table_columns, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:  # a row of another width, a quote never closed: csv says which
        return None
    lines_below_header = text.count("\n", header_end)
    if text.endswith("\n") and table.num_rows == lines_below_header:
        # Every record ends in a line break, and there are no more breaks than records: none
        # is inside a quoted field, so each record is a line.
        return table.append_column("_line", pa.array(range(2, table.num_rows + 2), pa.int64()))
    # A record starts on the line after the previous record's last: line 2 plus the records
    # before it plus the line breaks inside their quoted fields.
    breaks = pa.array([0] * table.num_rows, pa.int64())
    for column in table.columns:
        breaks = pa_compute.add(breaks, pa_compute.count_substring(column, "\n").cast(pa.int64()))
    if table.num_rows + pa_compute.sum(breaks, min_count=0).as_py() != lines_below_header:
        return None  # never seen; the lines must add up before they are trusted
    before = pa_compute.subtract(pa_compute.cumulative_sum(breaks), breaks)
    lines = pa_compute.add(before, pa.array(range(2, table.num_rows + 2), pa.int64()))
    return table.append_column("_line", lines)


def _csv_by_python(feed: Feed, text: str) -> pa.Table | None:
    reader = csv.reader(io.StringIO(text, newline=""))
    width = len(feed.columns)
    lines: list[int] = []
    rows: list[list[str]] = []
    try:
        if next(reader, None) != list(feed.columns):
            return None
        previous = reader.line_num
        for row in reader:
            if len(row) != width:
                return None
            lines.append(previous + 1)
            previous = reader.line_num
            rows.append(row)
    except csv.Error:
        return None
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    arrays = [pa.array(column, pa.string()) for column in columns]
    return pa.Table.from_arrays(
        [*arrays, pa.array(lines, pa.int64())], names=[*feed.table_columns, "_line"]
    )


def _lines(text: str) -> pa.Array:
    """The lines of a text whose every line ends in a line break, split by Arrow."""
    if not text:
        return pa.array([], pa.large_string())
    return pa_compute.split_pattern(pa.array([text[:-1]], pa.large_string()), "\n").flatten()


def _parse_fixed(feed: Feed, data: bytes) -> Parsed | None:
    text = _decode(feed, data)
    if text is None or "\r" in text:
        return None
    records = _lines(text)
    width = max(start - 1 + size for _, start, size in feed.fields)
    lengths = pa_compute.min_max(pa_compute.utf8_length(records))
    if len(records) and (lengths["min"].as_py(), lengths["max"].as_py()) != (width, width):
        return None
    if text.isascii():  # a character a byte: cut the bytes, several times faster
        records = records.cast(pa.large_binary())
        cut = pa_compute.binary_slice
    else:
        cut = pa_compute.utf8_slice_codeunits
    fields = [
        pa_compute.utf8_trim(
            cut(records, start - 1, start - 1 + size).cast(pa.large_string()),
            characters=_ASCII_WHITESPACE,
        )
        for _, start, size in feed.fields
    ]
    table = pa.Table.from_arrays(
        [*fields, pa.array(range(1, len(records) + 1), pa.int64())],
        names=[*feed.table_columns, "_line"],
    )
    return Parsed(table)


# What the readers turn into text (readers._text): JSON strings as they are, whole numbers and
# booleans in JSON's spelling (DuckDB writes an integer as Python does), null or absent as ''.
# Anything else (a fraction, an object, a key given twice) takes the readers' path, where
# Python's json module decides. Each line is parsed a few times, once per question asked of
# all the paths together, never once per column; try() makes a broken line's answers null.
_JSON_ANSWERS = """(select *,
        try(json_extract_string(_record, {paths})) as _values,
        try(json_type(_record, ['$', '$.search', {path_items}])) as _types,
        try(json_keys(_record)) as _keys,
        try(json_keys(_record, '$.search')) as _search_keys
    from _incoming)"""

_JSON_PLAIN = """_types is not null and _types[1] = 'OBJECT' and _types[2] = 'OBJECT'
    and len(_keys) = len(list_distinct(_keys))
    and len(_search_keys) = len(list_distinct(_search_keys))
    and list_bool_and(list_transform(_types[3:],
        lambda t: t is null or t in ('VARCHAR', 'BOOLEAN', 'NULL', 'BIGINT', 'UBIGINT')))"""


def _json_paths(feed: Feed) -> dict[str, str]:
    """Each column of a JSON-lines feed and where the readers take it from."""
    paths = {column: f"$.{key}" for key, column in PND_TOP.items()}
    paths.update({column: f"$.search.{key}" for key, column in PND_SEARCH.items()})
    return {c: paths[c] for c in feed.columns if c in paths}


def _parse_jsonl(feed: Feed, data: bytes) -> Parsed | None:
    text = _decode(feed, data)
    if text is None or "\r" in text:
        return None
    records = _lines(text)
    blank = pa_compute.or_(
        pa_compute.equal(pa_compute.utf8_length(records), 0), pa_compute.utf8_is_space(records)
    )
    if pa_compute.any(blank).as_py():
        return None
    paths = _json_paths(feed)
    if set(paths) | {"RAW_JSON"} != set(feed.columns):
        return None
    table = pa.Table.from_arrays(
        [records, pa.array(range(1, len(records) + 1), pa.int64())],
        names=["_record", "_line"],
    )
    position = {column: index for index, column in enumerate(paths, start=1)}
    fields = ", ".join(
        "_record as " + quoted(name)
        if column == "RAW_JSON"
        else f"coalesce(_values[{position[column]}], '') as {quoted(name)}"
        for column, name in zip(feed.columns, feed.table_columns, strict=True)
    )
    path_items = ", ".join(f"'{path}'" for path in paths.values())
    source = _JSON_ANSWERS.format(paths=f"[{path_items}]", path_items=path_items)
    return Parsed(table, fields, precondition=_JSON_PLAIN, source=source)


_PARSERS = {"csv": _parse_csv, "fixed": _parse_fixed, "jsonl": _parse_jsonl}


__all__ = ["CHECK_SQL", "FileFault", "Parsed", "parse", "rows_pass_sql"]
