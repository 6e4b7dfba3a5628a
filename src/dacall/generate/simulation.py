"""The simulation: one day at a time, the force's incidents, their logs and the searches made
for them, who calls (new and repeat victims, strangers) and the referrals that follow.

It hands searches and delivered incidents to the answer key, and rows to the delivery's
outbox; it writes no file itself. People and addresses are derived from their ids, so only
counters and recent ids are kept.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

from dacall.generate.answer_key import AnswerKey
from dacall.generate.audit import AuditWriter
from dacall.generate.background import BackgroundTraffic
from dacall.generate.clock import local_midnight_utc, to_local, writable_local
from dacall.generate.delivery import Delivery
from dacall.generate.draws import poisson
from dacall.generate.feeds import FEED_OF_SYSTEM, file_day, incident_row, log_rows
from dacall.generate.incidents import Incident, IncidentFactory, LogEntry, PlannedSearch
from dacall.generate.oracle import Search
from dacall.generate.referrals import Referrals
from dacall.generate.staff import Roster, Spell
from dacall.generate.world import World

STRANGER_IDS = 500_000  # people who call once about something else: never partner-referred
NOISE_IDS = 800_000  # people partners know who never call the police
CALL_HOUR_WEIGHTS = [5, 4, 3, 2, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 5, 5, 6, 7, 8, 9, 9, 9, 8, 7]


def seasonal(day: date) -> float:
    """DA incidents peak in summer, at New Year and on weekends (ONS seasonal patterns)."""
    summer = 1 + 0.12 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365)
    weekend = 1.18 if day.weekday() >= 5 else 0.93
    new_year = 1.35 if (day.month, day.day) in ((1, 1), (12, 25), (12, 26)) else 1.0
    return summer * weekend * new_year


class Simulation:
    def __init__(
        self,
        seed: int,
        scale: float,
        end: date,
        config: dict,
        standard_set: list[str],
        world: World,
        roster: Roster,
        writer: AuditWriter,
        background: BackgroundTraffic,
        delivery: Delivery,
        answer_key: AnswerKey,
    ):
        self.seed, self.scale, self.end = seed, scale, end
        self.cfg = config
        self.world = world
        self.roster = roster
        self.spells_by_staff: dict[str, list[Spell]] = defaultdict(list)
        for spell in roster.spells:
            self.spells_by_staff[spell.staff_no].append(spell)
        self.factory = IncidentFactory(config, standard_set)
        self.writer = writer
        self.background = background
        self.delivery = delivery
        self.answer_key = answer_key
        self.referrals = Referrals(scale, config["volumes"]["partner_noise_per_month"], delivery)
        self.next_person = 1
        self.next_stranger = STRANGER_IDS
        self.next_noise = NOISE_IDS
        self.recent_victims: list[int] = []

    # -- staff ------------------------------------------------------------------------------
    def _user_id(self, staff_no: str, system: str, at_utc: datetime) -> str | None:
        local_day = to_local(at_utc).date()
        for spell in self.spells_by_staff.get(staff_no, ()):
            if spell.active(local_day):
                return spell.user_id(system)
        return None

    # -- one day ----------------------------------------------------------------------------
    def simulate_day(self, day: date) -> None:
        rng = random.Random(f"{self.seed}:day:{day.isoformat()}")
        spells = {s.staff_no: s for s in self.roster.active_on(day)}
        by_role: dict[str, list[str]] = defaultdict(list)
        for spell in spells.values():
            by_role[spell.role].append(spell.staff_no)
        handlers = by_role["CALL HANDLER"] or by_role["CONTROLLER"]
        supervisors = by_role["SUPERVISOR"] or handlers
        colleagues = by_role["CONTROLLER"] + by_role["RESEARCHER"] + supervisors
        officers = by_role["OFFICER"]

        def has_access(staff_no: str, system: str) -> bool:
            spell = spells.get(staff_no)
            return spell is not None and bool(spell.user_id(system))

        def one_incident(urn: str, created: datetime, domestic: bool) -> None:
            self._one_incident(
                rng, urn, created, domestic, handlers, supervisors, colleagues, officers, has_access
            )

        vols = self.cfg["volumes"]
        factor = seasonal(day)
        n_dom = poisson(rng, vols["domestic_incidents_per_year"] * self.scale / 365 * factor)
        n_other = poisson(rng, vols["abandoned_or_silent_999_per_year"] * self.scale / 365)
        midnight = local_midnight_utc(day)
        next_midnight = local_midnight_utc(day + timedelta(days=1))
        day_seconds = (next_midnight - midnight).total_seconds()
        calls = []
        for kind in [True] * n_dom + [False] * n_other:
            hour = rng.choices(range(24), weights=CALL_HOUR_WEIGHTS)[0]
            offset = min(hour * 3600 + rng.uniform(0, 3599), day_seconds - 1)
            calls.append((midnight + timedelta(seconds=offset), kind, rng.random()))
        calls.sort()
        for serial, (created, domestic, _) in enumerate(calls, start=1):
            one_incident(f"HC-{day.strftime('%y%m%d')}-{serial:04d}", created, domestic)
        control_staff = handlers + supervisors + colleagues
        for planned in self.background.control_room_searches(rng, day, control_staff):
            self._emit_search(rng, planned, related=False)
        self.referrals.from_other_agencies(rng, day, self._someone_partners_know)

    # -- who calls --------------------------------------------------------------------------
    def _choose_victim(self, rng: random.Random) -> tuple[int, bool]:
        if self.recent_victims and rng.random() < self.cfg["repeat_victim_share"]:
            # Recent victims are likelier to call again (repeat victimisation decays).
            offset = int(rng.expovariate(1 / 1500))
            if offset >= len(self.recent_victims):
                offset = rng.randrange(len(self.recent_victims))
            index = len(self.recent_victims) - 1 - offset
            return self.recent_victims[index], True
        pid = self.next_person
        self.next_person += 1
        self.recent_victims.append(pid)
        if len(self.recent_victims) > 20_000 * max(self.scale, 1):
            del self.recent_victims[: len(self.recent_victims) // 4]
        return pid, False

    def _someone_partners_know(self, rng: random.Random) -> int:
        """A person another agency refers: one who has called, who will call, or who never
        calls the police at all."""
        roll = rng.random()
        if roll < 0.25 and self.recent_victims:
            return rng.choice(self.recent_victims)
        if roll < 0.45:
            return self.next_person + rng.randint(0, int(400 * max(self.scale, 1)))
        pid = self.next_noise
        self.next_noise += 1
        return pid

    # -- one incident -----------------------------------------------------------------------
    def _one_incident(
        self,
        rng: random.Random,
        urn: str,
        created: datetime,
        domestic: bool,
        handlers: list[str],
        supervisors: list[str],
        colleagues: list[str],
        officers: list[str],
        has_access: Callable[[str, str], bool],
    ) -> None:
        if domestic:
            pid, repeat = self._choose_victim(rng)
        else:
            pid, repeat = self.next_stranger, False
            self.next_stranger += 1
        person = self.world.person(pid)
        address = self.world.address(person.address_id)
        high_risk = bool(self.referrals.marac_dates_of(pid)) and rng.random() < 0.6
        incident = self.factory.build(
            rng,
            urn,
            created,
            person,
            address,
            domestic=domestic,
            repeat_victim=repeat and pid in self.answer_key.known_people,
            high_risk_marker=high_risk,
            handler=rng.choice(handlers),
            supervisor=rng.choice(supervisors),
            colleagues=colleagues,
            officers=officers,
            has_access=has_access,
        )
        if domestic and rng.random() < self.cfg["defects"]["incident_reopened"]:
            incident.reopened_versions.append(self._reopen(rng, incident))
        latest = incident.reopened_versions[-1] if incident.reopened_versions else incident
        delivered = to_local(incident.closed).date() <= self.end
        incident.history_visible = self.answer_key.history_visible(incident, self.referrals)
        if domestic:
            self.answer_key.remember(incident)
            self.referrals.from_police(rng, incident, pid)
        for planned in incident.searches:
            self._emit_search(rng, planned, related=True)
        if delivered:
            for version in [incident, *incident.reopened_versions]:
                if to_local(version.closed).date() <= self.end:
                    self._emit_incident(version)
                    latest = version
            incident.latest = latest
            self.answer_key.add_delivered(incident)

    def _reopen(self, rng: random.Random, incident: Incident) -> Incident:
        reopened_at = writable_local(incident.closed + timedelta(hours=rng.uniform(6, 96)))
        closed_again = writable_local(reopened_at + timedelta(minutes=rng.uniform(20, 300)))
        extra = [
            LogEntry(
                len(incident.log) + 1,
                reopened_at,
                incident.handler,
                "REMARK",
                "INCIDENT REOPENED - FURTHER CALL FROM CALLER, SUSPECT RETURNED",
            ),
            LogEntry(
                len(incident.log) + 2,
                closed_again,
                incident.handler,
                "RESULT",
                "CLOSED AGAIN - OFFICERS UPDATED",
            ),
        ]
        final_grade = (
            incident.final_grade if rng.random() < 0.6 else max(1, incident.final_grade - 1)
        )
        return replace(
            incident,
            log=incident.log + extra,
            closed=closed_again,
            last_updated=closed_again,
            final_grade=final_grade,
            deployed=incident.deployed or final_grade <= 2,
            reopened_versions=[],
            searches=[],
        )

    # -- to the outbox and the answer key ---------------------------------------------------
    def _emit_search(self, rng: random.Random, planned: PlannedSearch, related: bool) -> None:
        user = self._user_id(planned.staff_no, planned.system, planned.at)
        if user is None:
            return
        feed = FEED_OF_SYSTEM[planned.system]
        sort_at, row = self.writer.render(
            rng, planned.system, planned.subject_type, planned.at, user, planned.display
        )
        day = file_day(feed, sort_at)
        if not self.delivery.covers(day):
            return  # outside the delivered period: nobody will ever see it
        self.delivery.add_row(feed, day, sort_at, row)
        ref = f"{planned.system}:{sort_at.isoformat()}:{planned.staff_no}"
        search = Search(
            sort_at, planned.system, planned.subject_type, planned.staff_no, planned.subject, ref
        )
        self.answer_key.add_search(search, subject_relevant=related)

    def _emit_incident(self, inc: Incident) -> None:
        closed_day = to_local(inc.closed).date()
        self.delivery.add_row(
            "cc_incidents", closed_day, (inc.last_updated, inc.urn), incident_row(inc)
        )
        for seq, row in log_rows(inc):
            self.delivery.add_row("cc_log", closed_day, (inc.last_updated, inc.urn, seq), row)
