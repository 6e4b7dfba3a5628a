"""config/review.yml read and checked once: signals, bands, shifts, outcomes, targets.

Imported by the dbt models int_review_signal_rules and int_review_shifts and by the app, so
it must stay light (no web framework here; pyarrow only when a model asks for a table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import cache

from dacall.settings import UserError, load_yaml

BANDS = ("P1", "P2", "P3")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Signal:
    name: str
    weight: int
    band: str
    reason: str


@dataclass(frozen=True)
class Shift:
    name: str
    starts_minute: int  # minutes after local midnight, inclusive
    ends_minute: int  # exclusive; below starts_minute when the shift runs past midnight


@dataclass(frozen=True)
class ReviewConfig:
    signals: tuple[Signal, ...]
    bands: dict[str, str]
    shifts: tuple[Shift, ...]
    outcomes: dict[str, str]
    targets: dict[str, float]


def _minute(text, where: str) -> int:
    match = _TIME.match(str(text))
    if not match:
        raise UserError(f"config/review.yml: {where} must be a time HH:MM, not {text!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def parse(raw: dict) -> ReviewConfig:
    signals = []
    for name, rule in (raw.get("signals") or {}).items():
        if not isinstance(rule, dict):
            raise UserError(f"config/review.yml: signal {name} must be a mapping")
        weight, band, reason = rule.get("weight"), rule.get("band"), rule.get("reason")
        if not isinstance(weight, int) or weight < 0:
            raise UserError(f"config/review.yml: signal {name} needs a whole weight >= 0")
        if band not in BANDS:
            raise UserError(f"config/review.yml: signal {name} band must be one of {BANDS}")
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(f"config/review.yml: signal {name} needs a reason sentence")
        signals.append(Signal(name, weight, band, " ".join(reason.split())))
    if not signals:
        raise UserError("config/review.yml: no signals")
    shifts = []
    for index, shift in enumerate(raw.get("shifts") or []):
        name = shift.get("name") if isinstance(shift, dict) else None
        if not name:
            raise UserError(f"config/review.yml: shift {index + 1} needs a name")
        starts = _minute(shift.get("starts"), f"shift {name} starts")
        ends = _minute(shift.get("ends"), f"shift {name} ends")
        shifts.append(Shift(str(name), starts, ends))
    covered = [0] * 1440
    for shift in shifts:
        for minute in range(1440):
            inside = (
                shift.starts_minute <= minute < shift.ends_minute
                if shift.starts_minute < shift.ends_minute
                else minute >= shift.starts_minute or minute < shift.ends_minute
            )
            covered[minute] += inside
    if shifts and any(count != 1 for count in covered):
        raise UserError("config/review.yml: the shifts must cover each minute of the day once")
    outcomes = {str(k): str(v) for k, v in (raw.get("outcomes") or {}).items()}
    if not outcomes or not all(re.fullmatch(r"[A-Z_]{1,40}", key) for key in outcomes):
        raise UserError("config/review.yml: outcomes must be KEYS_IN_CAPITALS: words")
    bands = {band: str((raw.get("bands") or {}).get(band, band)) for band in BANDS}
    targets = {str(k): float(v) for k, v in (raw.get("targets") or {}).items()}
    return ReviewConfig(tuple(signals), bands, tuple(shifts), outcomes, targets)


@cache
def review_config() -> ReviewConfig:
    return parse(load_yaml("review.yml"))


_ARROW_TYPES = {"str": "string", "int": "int32"}


def arrow_table(kind: str):
    """The review rules of `kind` ("signal" or "shift") as the Arrow table that their dbt model
    (int_review_signal_rules, int_review_shifts) returns: a column per field of the dataclass,
    in order, the name column called after the kind."""
    import pyarrow as pa

    rows, row_type = {
        "signal": (review_config().signals, Signal),
        "shift": (review_config().shifts, Shift),
    }[kind]
    columns = fields(row_type)
    schema = pa.schema(
        [
            (
                kind if column.name == "name" else column.name,
                getattr(pa, _ARROW_TYPES[column.type])(),
            )
            for column in columns
        ]
    )
    return pa.table(
        [[getattr(row, column.name) for row in rows] for column in columns], schema=schema
    )
