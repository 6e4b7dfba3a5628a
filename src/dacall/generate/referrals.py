"""Partner referrals as they happen: the police's own (MARAC, MASH, Victim Support) after an
incident, and the other agencies' referrals of people who have called, will call or never do.

The records go to the delivery's monthly files; the dates are kept because they shape later
incidents (a MARAC marker) and what history the answer key counts as visible.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta

from dacall.generate.clock import to_local
from dacall.generate.delivery import Delivery
from dacall.generate.draws import poisson
from dacall.generate.incidents import Incident

MARAC_REPEAT_DAYS = 365  # a MARAC referral within this of an earlier one is a repeat
OTHER_AGENCIES = ["IDVA", "Health", "Children's Services", "Housing", "Probation", "Other"]


class Referrals:
    def __init__(self, scale: float, noise_per_month: dict[str, float], delivery: Delivery):
        self.scale = scale
        self.noise_per_month = noise_per_month
        self.delivery = delivery
        self.marac_dates: dict[int, list[date]] = defaultdict(list)
        self.other_first: dict[int, date] = {}  # first MASH or Victim Support referral

    def marac_dates_of(self, pid: int) -> list[date]:
        return self.marac_dates.get(pid, [])

    def first_other(self, pid: int) -> date | None:
        return self.other_first.get(pid)

    def _note_other(self, pid: int, day: date) -> None:
        if pid not in self.other_first or day < self.other_first[pid]:
            self.other_first[pid] = day

    def from_police(self, rng: random.Random, inc: Incident, pid: int) -> None:
        day = to_local(inc.created).date()
        if inc.risk_level == "HIGH" and rng.random() < 0.85:
            referred = day + timedelta(days=rng.randint(1, 6))
            previous = [
                d for d in self.marac_dates[pid] if (referred - d).days <= MARAC_REPEAT_DAYS
            ]
            basis = (
                "Repeat"
                if previous and rng.random() < 0.5
                else rng.choices(
                    ["DASH 14+", "Professional Judgement", "Escalation"], weights=[70, 20, 10]
                )[0]
            )
            children = rng.randint(1, 3) if "CHILD PRESENT" in inc.qualifiers else 0
            self.marac_dates[pid].append(referred)
            self.delivery.add_partner_record(
                "partner_marac", referred, pid, ("Police", basis, bool(previous), children)
            )
        if "CHILD PRESENT" in inc.qualifiers and rng.random() < 0.55:
            received = day + timedelta(days=rng.randint(0, 3))
            self._note_other(pid, received)
            self.delivery.add_partner_record("partner_mash", received, pid, ("DA",))
        if not inc.abandoned and rng.random() < 0.3:
            referred = day + timedelta(days=rng.randint(1, 2))
            consent = rng.random() < 0.65
            service = (
                "IDVA" if inc.risk_level == "HIGH" else rng.choice(["General", "General", "ISVA"])
            )
            self._note_other(pid, referred)
            self.delivery.add_partner_record("partner_vs", referred, pid, (consent, service))

    def from_other_agencies(
        self, rng: random.Random, day: date, choose_person: Callable[[random.Random], int]
    ) -> None:
        """One day's referrals from other agencies (the linkage must not join the people
        who never call the police to anyone)."""
        for feed, per_month in self.noise_per_month.items():
            for _ in range(poisson(rng, per_month * self.scale * 12 / 365)):
                pid = choose_person(rng)
                if feed == "partner_marac":
                    previous = [
                        d for d in self.marac_dates[pid] if (day - d).days <= MARAC_REPEAT_DAYS
                    ]
                    self.marac_dates[pid].append(day)
                    agency = rng.choice(OTHER_AGENCIES)
                    basis = rng.choice(["DASH 14+", "Professional Judgement", "Escalation"])
                    payload = (agency, basis, bool(previous), rng.choice([0, 0, 1, 2]))
                elif feed == "partner_mash":
                    self._note_other(pid, day)
                    concern = rng.choice(
                        ["DA", "Neglect", "Physical", "Sexual", "Emotional", "Other"]
                    )
                    payload = (concern,)
                else:
                    self._note_other(pid, day)
                    payload = (rng.random() < 0.6, rng.choice(["IDVA", "ISVA", "General"]))
                self.delivery.add_partner_record(feed, day, pid, payload)
