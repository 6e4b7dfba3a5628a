"""`dacall generate`: builds the parts and runs the day loop.

The parts, each in its own module: the simulation (incidents, logs, searches, referrals), the
force's other audit traffic (background), the answer key (the oracle), and the delivery of
files in each feed's format (one table, feeds.FEEDS).

Memory stays bounded: people and addresses are derived from their ids, and only a few days of
pending rows and searches are held at any time (a day's incidents close within days, and the
answer key needs 24 hours either side of a claim).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from dacall.generate.answer_key import AnswerKey
from dacall.generate.audit import AuditWriter
from dacall.generate.background import BackgroundTraffic
from dacall.generate.clock import local_midnight_utc
from dacall.generate.delivery import Delivery
from dacall.generate.simulation import Simulation
from dacall.generate.staff import build_roster
from dacall.generate.world import World
from dacall.settings import load_yaml

SETTLE_AFTER_DAYS = 3  # claims are made within hours; the band reaches 24 h beyond
FLUSH_AFTER_DAYS = 3
FORGET_SEARCHES_AFTER_DAYS = 6
RUN_ON_DAYS = 10  # days past the period, for incidents closing and files arriving late


@dataclass
class GenerationResult:
    out: Path
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    files: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    claims: int = 0
    incidents: int = 0
    seconds: float = 0.0


class Generator:
    def __init__(
        self,
        out: Path,
        start: date,
        days: int,
        scale: float,
        seed: int,
        config: dict,
        progress: Callable[[str], None] | None,
    ):
        self.start = start
        self.end = start + timedelta(days=days - 1)
        self.progress = progress or (lambda _msg: None)
        self.result = GenerationResult(out)
        world = World(seed)
        roster = build_roster(seed, scale, start, self.end)
        writer = AuditWriter(seed)
        background = BackgroundTraffic(
            seed, scale, config["volumes"]["audit_background_rows_per_day"], roster, writer
        )
        self.answer_key = AnswerKey(out / "truth", self.end, self.result)
        self.delivery = Delivery(
            out,
            start,
            self.end,
            seed,
            config["defects"],
            roster,
            background,
            world,
            self.answer_key,
            self.result,
        )
        # The force's standard check set is the claims vocabulary's (one definition); the
        # answer key otherwise keeps its own reading of the spec (see answer_key.py).
        standard_set = list(load_yaml("claims_vocabulary.yml")["standard_check_set"])
        self.simulation = Simulation(
            seed,
            scale,
            self.end,
            config,
            standard_set,
            world,
            roster,
            writer,
            background,
            self.delivery,
            self.answer_key,
        )

    def run(self) -> GenerationResult:
        started = time.perf_counter()
        with self.answer_key:
            last_step = self.end + timedelta(days=FLUSH_AFTER_DAYS + RUN_ON_DAYS)
            day = self.start
            while day <= last_step:
                if day <= self.end:
                    self.simulation.simulate_day(day)
                    if day.day == 1 or day == self.start:
                        self.progress(f"generating {day.isoformat()}")
                self.answer_key.settle(until=day - timedelta(days=SETTLE_AFTER_DAYS))
                forget = day - timedelta(days=FORGET_SEARCHES_AFTER_DAYS)
                self.answer_key.forget_before(local_midnight_utc(forget))
                self.delivery.flush(until=day - timedelta(days=FLUSH_AFTER_DAYS))
                day += timedelta(days=1)
            self.answer_key.settle(until=last_step)
            self.delivery.flush(until=last_step, final=True)
        self.delivery.write_log()
        self.answer_key.write_readme()
        self.result.seconds = time.perf_counter() - started
        return self.result


def generate(
    out: Path,
    start: date = date(2025, 1, 1),
    days: int = 365,
    scale: float = 1.0,
    seed: int = 42,
    progress: Callable[[str], None] | None = None,
) -> GenerationResult:
    config = load_yaml("generator.yml")
    return Generator(Path(out), start, days, scale, seed, config, progress).run()
