"""The force's other audit traffic: searches and actions unrelated to the domestic incidents.

Most of each audit file is this traffic (officers, researchers and analysts at work), made as
the file is written and merged into it in time order. Each system's rows come from its own
row maker in one table. Control-room staff also search for their other incidents; those
searches can fall inside a claim's window, so they go through the simulation to the answer key.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

from dacall.generate import audit
from dacall.generate.clock import local_midnight_utc
from dacall.generate.draws import poisson
from dacall.generate.feeds import FEEDS, file_day
from dacall.generate.incidents import PlannedSearch
from dacall.generate.staff import CONTROL_ROLES, Roster

CONTROL_ROOM_SHARE = 0.08  # the control room's other searches, as a share of each system's
WEEKDAY_FACTOR, WEEKEND_FACTOR = 1.05, 0.85

Row = tuple[datetime, object]
RowMaker = Callable[[audit.AuditWriter, random.Random, float, datetime, str, date], Row]


def _pnc_row(writer: audit.AuditWriter, rng, roll: float, at: datetime, user: str, day) -> Row:
    if roll < 0.45:
        return writer.pnc(rng, at, user, "QNAM", audit.background_display(rng, "PERSON"))
    txn = rng.choice(["QVRM", "QVRM", "QDRV", "UPDT"])
    return writer.pnc(rng, at, user, txn, vrm=audit.vrm(rng) if txn == "QVRM" else "")


def _pnd_row(writer: audit.AuditWriter, rng, roll: float, at: datetime, user: str, day) -> Row:
    if roll < 0.8:
        subject_type = rng.choices(["PERSON", "ADDRESS", "TELEPHONE"], weights=[6, 2, 1])[0]
        display = audit.background_display(rng, subject_type)
        return writer.render(rng, "PND", subject_type, at, user, display)
    if roll < 0.93:
        return writer.pnd(rng, at, user, {"kind": "vehicle", "vrm": audit.vrm(rng)})
    organisation = {"kind": "organisation", "name": audit.invented_surname(rng) + " Ltd"}
    return writer.pnd(rng, at, user, organisation)


def _rms_row(writer: audit.AuditWriter, rng, roll: float, at: datetime, user: str, day) -> Row:
    if roll < 0.45:
        subject_type = rng.choices(["PERSON", "ADDRESS", "TELEPHONE"], weights=[6, 3, 1])[0]
        display = audit.background_display(rng, subject_type)
        return writer.render(rng, "RMS", subject_type, at, user, display)
    action = rng.choices(
        ["VIEW_OCCURRENCE", "VIEW_PERSON", "UPDATE_RECORD", "LOGIN"], weights=[5, 3, 3, 1]
    )[0]
    record = "" if action == "LOGIN" else f"OCC-{day.strftime('%y')}-{rng.randint(100000, 999999)}"
    return writer.rms(rng, at, user, action, "", record)


def _cad_row(writer: audit.AuditWriter, rng, roll: float, at: datetime, user: str, day) -> Row:
    # The C&C logs only history searches, so the roll goes unused (it is still drawn, to keep
    # every system's random stream in step).
    subject_type = rng.choices(["PERSON", "ADDRESS", "TELEPHONE"], weights=[4, 4, 2])[0]
    display = audit.background_display(rng, subject_type)
    return writer.render(rng, "CAD", subject_type, at, user, display)


ROW_MAKERS: dict[str, RowMaker] = {
    "PNC": _pnc_row,
    "PND": _pnd_row,
    "RMS": _rms_row,
    "CAD": _cad_row,
}


class BackgroundTraffic:
    def __init__(
        self,
        seed: int,
        scale: float,
        rows_per_day: dict[str, float],
        roster: Roster,
        writer: audit.AuditWriter,
    ):
        self.seed = seed
        self.scale = scale
        self.rows_per_day = rows_per_day
        self.roster = roster
        self.writer = writer

    def rows(self, feed: str, day: date) -> Iterator[Row]:
        """One audit file's other traffic, in time order (streamed)."""
        fmt = FEEDS[feed]
        system = fmt.system
        rng = random.Random(f"{self.seed}:background:{feed}:{day.isoformat()}")
        spells = [
            s
            for s in self.roster.active_on(day)
            if s.role not in CONTROL_ROLES and s.user_id(system)
        ]
        if not spells:
            return
        factor = WEEKDAY_FACTOR if day.weekday() < 5 else WEEKEND_FACTOR
        count = poisson(rng, self.rows_per_day[system] * self.scale * factor)
        start = datetime(day.year, day.month, day.day) if fmt.utc else local_midnight_utc(day)
        make_row = ROW_MAKERS[system]
        for at in audit.background_searches(rng, system, start, count):
            user = rng.choice(spells).user_id(system)
            row = make_row(self.writer, rng, rng.random(), at, user, day)
            if file_day(feed, row[0]) == day:
                yield row

    def control_room_searches(
        self, rng: random.Random, day: date, control_staff: list[str]
    ) -> Iterator[PlannedSearch]:
        """Control-room staff's searches for their other (non-domestic) incidents that day."""
        if not control_staff:
            return
        midnight = local_midnight_utc(day)
        for system, per_day in self.rows_per_day.items():
            count = poisson(rng, per_day * self.scale * CONTROL_ROOM_SHARE)
            types = ["PERSON"] if system == "PNC" else ["PERSON", "ADDRESS", "TELEPHONE"]
            for _ in range(count):
                at = midnight + timedelta(seconds=rng.uniform(0, 86_399))
                subject_type = rng.choice(types)
                display = audit.background_display(rng, subject_type)
                staff_no = rng.choice(control_staff)
                yield PlannedSearch(at, system, subject_type, staff_no, object(), display)
