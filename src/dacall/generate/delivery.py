"""Delivery: rows wait in an outbox until their file's day is over, then each file is written
in its feed's format (feeds.FEEDS) and logged to truth/deliveries.csv.

Some daily files arrive days late; some are first delivered short and then corrected (the
short first version is kept under deliveries/first/). Monthly partner files arrive three days
after the month.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections import defaultdict
from datetime import date, timedelta
from heapq import merge
from pathlib import Path
from typing import TYPE_CHECKING

from dacall.generate import writers
from dacall.generate.answer_key import AnswerKey
from dacall.generate.background import BackgroundTraffic
from dacall.generate.feeds import DAILY_FEEDS, DELAYABLE_FEEDS, FEEDS, encode, file_path, staff_row
from dacall.generate.partners import PartnerView
from dacall.generate.staff import Roster
from dacall.generate.world import World

if TYPE_CHECKING:
    from dacall.generate.engine import GenerationResult

MONTHLY_DELIVERY_DELAY = timedelta(days=3)
# Each partner's own reference numbers: (count in the year so far, referral date) -> reference.
PARTNER_REFERENCE = {
    "partner_marac": lambda n, day: f"M-{day.year}-{n:04d}",
    "partner_mash": lambda n, day: f"LA-{80000 + n + (day.year - 2025) * 20000}",
    "partner_vs": lambda n, day: f"VS/{day.strftime('%y')}/{n:05d}",
}
DELIVERIES_HEADER = ["feed", "file", "business_date", "delivery", "delivered_on", "sha256", "note"]


class Delivery:
    def __init__(
        self,
        out: Path,
        start: date,
        end: date,
        seed: int,
        defects: dict,
        roster: Roster,
        background: BackgroundTraffic,
        world: World,
        answer_key: AnswerKey,
        result: GenerationResult,
    ):
        self.landing = out / "landing"
        self.first_deliveries = out / "deliveries" / "first"
        self.log_path = out / "truth" / "deliveries.csv"
        self.start, self.end, self.seed = start, end, seed
        self.roster = roster
        self.background = background
        self.world = world
        self.answer_key = answer_key
        self.result = result
        partner_view = PartnerView(world, defects)
        self.partner_row = {
            "partner_marac": partner_view.marac_row,
            "partner_mash": partner_view.mash_row,
            "partner_vs": partner_view.vs_row,
        }
        # Rows waiting for their file: (feed, file date) -> [(sort key, row)].
        self.outbox: dict[tuple[str, date], list] = defaultdict(list)
        # Partner records by (feed, month): [(referral date, serial, person id, payload)].
        self.partner_outbox: dict[tuple[str, date], list] = defaultdict(list)
        self.partner_serial = 0
        self.references: dict[tuple[str, int], int] = defaultdict(int)
        self.flushed_to = start - timedelta(days=1)
        days = (end - start).days + 1
        self.late_days = _choose_late_days(seed, start, days, int(defects["late_days"]))
        self.redeliveries = _choose_redeliveries(seed, start, days, defects["redelivered_files"])
        self.deliveries: list[list[str]] = []

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def add_row(self, feed: str, day: date, sort_key, row) -> None:
        self.outbox[(feed, day)].append((sort_key, row))

    def add_partner_record(self, feed: str, day: date, pid: int, payload: tuple) -> None:
        if self.covers(day):
            self.partner_serial += 1
            self.partner_outbox[(feed, day.replace(day=1))].append(
                (day, self.partner_serial, pid, payload)
            )

    def flush(self, until: date, final: bool = False) -> None:
        """Writes every daily file up to `until` and every monthly file whose month is over."""
        day = self.flushed_to + timedelta(days=1)
        while day <= min(until, self.end):
            for feed in DAILY_FEEDS:
                self._write_daily(feed, day)
            self.flushed_to = day
            day += timedelta(days=1)
        for feed, month in sorted(self.partner_outbox):
            next_month = (month + timedelta(days=32)).replace(day=1)
            if next_month <= until or final:
                self._write_monthly(feed, month, self.partner_outbox.pop((feed, month)))

    def _daily_rows(self, feed: str, day: date) -> list:
        if FEEDS[feed].snapshot:
            return [staff_row(s) for s in self.roster.directory_rows(day)]
        pending = sorted(self.outbox.pop((feed, day), []), key=lambda item: item[0])
        if FEEDS[feed].system:
            pending = merge(pending, self.background.rows(feed, day), key=lambda item: item[0])
        return [row for _, row in pending]

    def _write_daily(self, feed: str, day: date) -> None:
        rows = self._daily_rows(feed, day)
        path = file_path(self.landing, feed, day)
        data = encode(feed, rows)
        rng = random.Random(f"{self.seed}:redeliver:{feed}:{day.isoformat()}")
        delivered_on = day + timedelta(days=self.late_days.get((feed, day), 1))
        if (feed, day) in self.redeliveries and len(rows) > 5:
            short = encode(feed, rows[: int(len(rows) * rng.uniform(0.8, 0.95))])
            writers.publish(self.first_deliveries / feed / path.name, short)
            note = "first delivery, short; corrected by delivery 2"
            self._log(feed, path, day, 1, delivered_on, short, note)
            delivered_on += timedelta(days=rng.randint(1, 3))
            self._log(feed, path, day, 2, delivered_on, data, "corrected redelivery")
        else:
            note = "late" if (feed, day) in self.late_days else ""
            self._log(feed, path, day, 1, delivered_on, data, note)
        writers.publish(path, data)
        self.result.rows[feed] += len(rows)
        self.result.files[feed] += 1

    def _write_monthly(self, feed: str, month: date, items: list) -> None:
        items.sort(key=lambda item: (item[0], item[1]))
        rows = []
        for referred, _, pid, payload in items:
            rng = random.Random(f"{self.seed}:{feed}:{pid}:{referred.isoformat()}")
            person = self.world.person(pid)
            self.references[(feed, referred.year)] += 1
            ref = PARTNER_REFERENCE[feed](self.references[(feed, referred.year)], referred)
            rows.append(self.partner_row[feed](rng, person, ref, referred, *payload))
            self.answer_key.person_record(feed, ref, pid)
        path = file_path(self.landing, feed, month)
        data = encode(feed, rows)
        writers.publish(path, data)
        month_end = (month + timedelta(days=32)).replace(day=1)
        self._log(feed, path, month, 1, month_end + MONTHLY_DELIVERY_DELAY, data, "")
        self.result.rows[feed] += len(rows)
        self.result.files[feed] += 1

    def _log(self, feed, path: Path, business_date, number, delivered_on, data, note) -> None:
        self.deliveries.append(
            [
                feed,
                path.name,
                business_date.isoformat(),
                str(number),
                delivered_on.isoformat(),
                hashlib.sha256(data).hexdigest(),
                note,
            ]
        )

    def write_log(self) -> None:
        with self.log_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(DELIVERIES_HEADER)
            writer.writerows(sorted(self.deliveries))


def _choose_late_days(seed: int, start: date, days: int, count: int) -> dict[tuple[str, date], int]:
    """Daily files that arrive days late: (feed, day) -> days after the day."""
    rng = random.Random(f"{seed}:late")
    late = {}
    for _ in range(count):
        if days < 10:
            break
        day = start + timedelta(days=rng.randint(5, days - 5))
        late[(rng.choice(DELAYABLE_FEEDS), day)] = rng.randint(2, 6)
    return late


def _choose_redeliveries(seed: int, start: date, days: int, rate: float) -> set[tuple[str, date]]:
    """Daily files first delivered short, then corrected: at least one in any run."""
    rng = random.Random(f"{seed}:redeliveries")
    count = max(1, round(rate * days * 6))
    return {
        (rng.choice(DELAYABLE_FEEDS), start + timedelta(days=rng.randrange(days)))
        for _ in range(count)
    }
