"""Europe/London wall-clock conversions, as the feeds use them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def to_local(at_utc: datetime) -> datetime:
    """A naive UTC instant as naive London wall-clock time."""
    return at_utc.replace(tzinfo=UTC).astimezone(LONDON).replace(tzinfo=None)


def is_second_occurrence(at_utc: datetime) -> bool:
    """True in the repeated hour after the clocks go back, which a local-time feed cannot tell
    from the first (feeds.md: an ambiguous local time means the first occurrence)."""
    return bool(at_utc.replace(tzinfo=UTC).astimezone(LONDON).fold)


def writable_local(at_utc: datetime) -> datetime:
    """The instant moved past the repeated hour if needed, so local-time feeds stay truthful."""
    return at_utc + timedelta(hours=1) if is_second_occurrence(at_utc) else at_utc


def local_midnight_utc(day: date) -> datetime:
    """The UTC instant at which a London calendar day starts."""
    local = datetime(day.year, day.month, day.day, tzinfo=LONDON)
    return local.astimezone(UTC).replace(tzinfo=None)


def fmt_local(at_utc: datetime | None) -> str:
    return "" if at_utc is None else to_local(at_utc).strftime("%d/%m/%Y %H:%M:%S")


def fmt_local_iso(at_utc: datetime) -> str:
    return to_local(at_utc).strftime("%Y-%m-%d %H:%M:%S")
