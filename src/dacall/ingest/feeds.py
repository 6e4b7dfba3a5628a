"""The feed table (config/feeds.yml) and the checks a delivered row must pass to be loaded."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache

from dacall.settings import UserError, load_yaml

_TS_DMY = re.compile(r"(\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d):(\d\d)\Z")
_DATE_DMY = re.compile(r"(\d\d)/(\d\d)/(\d{4})\Z")
_TS_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\Z")
_DATE_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)\Z")
_TS_UTC_Z = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,6})?Z\Z")
_DATE8 = re.compile(r"(\d{4})(\d\d)(\d\d)\Z")
_TIME6 = re.compile(r"(\d\d)(\d\d)(\d\d)\Z")
_INT = re.compile(r"-?\d+\Z")


@lru_cache(maxsize=65_536)
def _real_date(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1] and year >= 1850


def _real_time(hour: int, minute: int, second: int) -> bool:
    return hour < 24 and minute < 60 and second < 60


def _check_ymd(match: re.Match | None, order: str) -> bool:
    if match is None:
        return False
    groups = [int(g) for g in match.groups()[:6] if g is not None and not g.startswith(".")]
    if order == "dmy":
        day, month, year = groups[:3]
    else:
        year, month, day = groups[:3]
    if not _real_date(year, month, day):
        return False
    return len(groups) < 6 or _real_time(*groups[3:6])


CHECKS = {
    "ts_dmy": (lambda v: _check_ymd(_TS_DMY.match(v), "dmy"), "DD/MM/YYYY HH:MM:SS"),
    "date_dmy": (lambda v: _check_ymd(_DATE_DMY.match(v), "dmy"), "DD/MM/YYYY"),
    "ts_iso": (lambda v: _check_ymd(_TS_ISO.match(v), "ymd"), "YYYY-MM-DD HH:MM:SS"),
    "date_iso": (lambda v: _check_ymd(_DATE_ISO.match(v), "ymd"), "YYYY-MM-DD"),
    "ts_utc_z": (lambda v: _check_ymd(_TS_UTC_Z.match(v), "ymd"), "YYYY-MM-DDTHH:MM:SS.sssZ"),
    "date8": (lambda v: _check_ymd(_DATE8.match(v), "ymd"), "YYYYMMDD"),
    "time6": (
        lambda v: (m := _TIME6.match(v)) is not None and _real_time(*map(int, m.groups())),
        "HHMMSS",
    ),
    "int": (lambda v: _INT.match(v) is not None, "whole number"),
}


@dataclass(frozen=True)
class Feed:
    name: str
    pattern: re.Pattern
    format: str  # csv | fixed | jsonl
    encoding: str
    columns: tuple[str, ...]
    fields: tuple[tuple[str, int, int], ...] = ()
    checks: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def monthly(self) -> bool:
        return self.pattern.pattern.count(r"\d{6}") == 1

    @cached_property
    def table_columns(self) -> list[str]:
        """The raw table's column names: the source names in lower snake case."""
        return [column_name(c) for c in self.columns]

    def business_date(self, file_name: str) -> date | None:
        match = self.pattern.fullmatch(file_name)
        if match is None:
            return None
        stamp = match.group(1)
        year, month = int(stamp[:4]), int(stamp[4:6])
        day = int(stamp[6:8]) if len(stamp) == 8 else 1
        if not _real_date(year, month, day):
            return None
        return date(year, month, day)

    def row_fault(self, values: dict[str, str]) -> str | None:
        """Why a row cannot be loaded, in words a person understands; None if it can."""
        for column, kinds in self.checks.items():
            value = values.get(column, "")
            for kind in kinds:
                if kind == "required":
                    if value == "":
                        return f"{column} is empty"
                    continue
                if value == "":
                    continue
                check, shape = CHECKS[kind]
                if not check(value):
                    return f"{column} {value!r} is not a valid {shape}"
        return None


def column_name(source: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", source.lower()).strip("_")


@lru_cache(maxsize=1)
def load_feeds() -> dict[str, Feed]:
    table = load_yaml("feeds.yml")
    feeds = {}
    for name, spec in table.items():
        try:
            fields = tuple((f[0], int(f[1]), int(f[2])) for f in spec.get("fields", ()))
            columns = tuple(spec.get("columns") or [f[0] for f in fields])
            checks = {col: tuple(kinds) for col, kinds in (spec.get("checks") or {}).items()}
            for col, kinds in checks.items():
                if col not in columns:
                    raise UserError(f"config/feeds.yml: {name} checks unknown column {col}")
                unknown = [k for k in kinds if k != "required" and k not in CHECKS]
                if unknown:
                    raise UserError(f"config/feeds.yml: {name}.{col}: unknown check {unknown[0]}")
            feeds[name] = Feed(
                name=name,
                pattern=re.compile(spec["pattern"]),
                format=spec["format"],
                encoding=spec["encoding"],
                columns=columns,
                fields=fields,
                checks=checks,
            )
        except (KeyError, TypeError, re.error) as exc:
            raise UserError(f"config/feeds.yml: feed {name} is malformed ({exc})") from exc
    return feeds
