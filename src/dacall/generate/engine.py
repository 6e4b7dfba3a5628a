"""The generator's day loop: incidents, their logs and searches, the force's other audit
traffic, the staff directory and the partners' records, streamed to daily and monthly files.

Memory stays bounded: people and addresses are derived from their ids, and only a few days of
pending rows and searches are held at any time (a day's incidents close within days, and the
answer key needs 24 hours either side of a claim).
"""

from __future__ import annotations

import csv
import hashlib
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from heapq import merge
from pathlib import Path

from dacall.generate import audit, writers
from dacall.generate.clock import fmt_local, local_midnight_utc, to_local, writable_local
from dacall.generate.incidents import Incident, IncidentFactory, LogEntry, PlannedSearch
from dacall.generate.oracle import Oracle, Search
from dacall.generate.partners import MARAC_HEADER, MASH_HEADER, VS_HEADER, PartnerView
from dacall.generate.staff import CONTROL_ROLES, build_roster
from dacall.generate.world import World
from dacall.settings import load_yaml

INCIDENT_HEADER = [
    "URN",
    "CREATED",
    "CHANNEL",
    "ANSWERED",
    "CALL_END",
    "ABANDONED",
    "SILENT",
    "CALLBACK_AT",
    "CALLBACK_BY",
    "CALLER_NAME",
    "CALLER_DOB",
    "CALLER_TEL",
    "LOCATION",
    "POSTCODE",
    "UPRN",
    "OPEN_CODE",
    "CLOSE_CODE",
    "QUALIFIERS",
    "INIT_GRADE",
    "FINAL_GRADE",
    "DEPLOYED",
    "FIRST_DISPATCH",
    "FIRST_ARRIVAL",
    "RISK_LEVEL",
    "HANDLER",
    "SUPERVISOR",
    "CLOSED",
    "LAST_UPDATED",
]
LOG_HEADER = ["URN", "SEQ", "ENTRY_TIME", "OPERATOR", "ENTRY_TYPE", "TEXT"]
RMS_HEADER = ["AUDIT_ID", "USER_ID", "ACTION", "TIMESTAMP", "SEARCH_TEXT", "RECORD_ID"]
CAD_HEADER = ["USER", "TIME", "SEARCH_TYPE", "SEARCH_VALUE", "RESULTS"]
STAFF_HEADER = [
    "STAFF_NO",
    "PNC_USER",
    "PND_USER",
    "SURNAME",
    "FORENAME",
    "ROLE",
    "TEAM",
    "VALID_FROM",
    "VALID_TO",
]
DAILY_FEEDS = [
    "cc_incidents",
    "cc_log",
    "audit_pnc",
    "audit_pnd",
    "audit_rms",
    "audit_cc",
    "staff_directory",
]
MONTHLY_FEEDS = ["partner_marac", "partner_mash", "partner_vs"]
SYSTEM_FEED = {"PNC": "audit_pnc", "PND": "audit_pnd", "RMS": "audit_rms", "CAD": "audit_cc"}
UTC_FEEDS = {"audit_pnc", "audit_pnd"}
EVALUATE_AFTER_DAYS = 3  # claims are made within hours; the band reaches 24 h beyond
FLUSH_AFTER_DAYS = 3
STRANGER_IDS = 500_000  # people who call once about something else: never partner-referred
NOISE_IDS = 800_000  # people partners know who never call the police


@dataclass
class GenerationResult:
    out: Path
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    files: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    claims: int = 0
    incidents: int = 0
    seconds: float = 0.0


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    threshold, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def _seasonal(day: date) -> float:
    """DA incidents peak in summer, at New Year and on weekends (ONS seasonal patterns)."""
    summer = 1 + 0.12 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365)
    weekend = 1.18 if day.weekday() >= 5 else 0.93
    new_year = 1.35 if (day.month, day.day) in ((1, 1), (12, 25), (12, 26)) else 1.0
    return summer * weekend * new_year


CALL_HOUR_WEIGHTS = [5, 4, 3, 2, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 5, 5, 6, 7, 8, 9, 9, 9, 8, 7]


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
        self.out = out
        self.landing = out / "landing"
        self.truth_dir = out / "truth"
        self.start, self.days, self.scale, self.seed = start, days, scale, seed
        self.end = start + timedelta(days=days - 1)
        self.cfg = config
        self.progress = progress or (lambda _msg: None)
        self.world = World(seed)
        self.roster = build_roster(seed, scale, start, self.end)
        self.spells_by_staff = defaultdict(list)
        for spell in self.roster.spells:
            self.spells_by_staff[spell.staff_no].append(spell)
        self.partner_serial = 0
        # The force's standard check set is the claims vocabulary's (one definition); the
        # answer key below otherwise keeps its own reading of the spec, on purpose: it is the
        # independent check the models are measured against.
        self.standard_set = list(load_yaml("claims_vocabulary.yml")["standard_check_set"])
        self.factory = IncidentFactory(config, self.standard_set)
        self.partner_view = PartnerView(self.world, config["defects"])
        self.audit = audit.AuditWriter(seed)
        self.oracle = Oracle()
        self.result = GenerationResult(out)
        # Rows waiting for their file: (feed, file date) -> [(sort key, row)].
        self.outbox: dict[tuple[str, date], list] = defaultdict(list)
        self.partner_outbox: dict[tuple[str, date], list] = defaultdict(list)
        self.pending_truth: list[Incident] = []
        self.next_person = 1
        self.next_stranger = STRANGER_IDS
        self.next_noise = NOISE_IDS
        self.recent_victims: list[int] = []
        self.known_people: set[int] = set()
        self.known_phones: set[str] = set()
        self.known_addresses: set[int] = set()
        self.marac_dates: dict[int, list[date]] = defaultdict(list)
        self.other_referral_first: dict[int, date] = {}
        self.ref_counters: dict[str, int] = defaultdict(int)
        self.late_days = self._choose_late_days()
        self.redeliveries = self._choose_redeliveries()
        self.deliveries: list[list[str]] = []

    # -- staff on a given day ---------------------------------------------------------------
    def _staff_day(self, day: date):
        spells = {s.staff_no: s for s in self.roster.active_on(day)}
        by_role: dict[str, list[str]] = defaultdict(list)
        for spell in spells.values():
            by_role[spell.role].append(spell.staff_no)
        return spells, by_role

    def _user_id(self, staff_no: str, system: str, at_utc: datetime) -> str | None:
        local_day = to_local(at_utc).date()
        for spell in self.spells_by_staff.get(staff_no, ()):
            if spell.active(local_day):
                if system == "PNC":
                    return spell.pnc_user
                if system == "PND":
                    return spell.pnd_user
                return spell.staff_no
        return None

    # -- the main loop ----------------------------------------------------------------------
    def run(self) -> GenerationResult:
        started = time.perf_counter()
        self.truth_dir.mkdir(parents=True, exist_ok=True)
        with (
            (self.truth_dir / "claims.csv").open("w", newline="", encoding="utf-8") as claims_f,
            (self.truth_dir / "incidents.csv").open("w", newline="", encoding="utf-8") as inc_f,
        ):
            self.claims_out = csv.writer(claims_f, lineterminator="\n")
            self.claims_out.writerow(
                [
                    "incident_urn",
                    "log_seq",
                    "system",
                    "subject_type",
                    "claimed_result",
                    "claimed_by",
                    "expected_status",
                    "audit_ref",
                ]
            )
            self.incidents_out = csv.writer(inc_f, lineterminator="\n")
            self.incidents_out.writerow(
                [
                    "incident_urn",
                    "person_id",
                    "domestic",
                    "history_visible",
                    "missed_history",
                    "claims",
                    "unverified_claims",
                ]
            )
            self.person_records: list[list[str]] = []
            self.person_out_path = self.truth_dir / "person_records.csv"
            self.person_out = self.person_out_path.open("w", newline="", encoding="utf-8")
            self.person_writer = csv.writer(self.person_out, lineterminator="\n")
            self.person_writer.writerow(["source", "source_record_id", "person_id"])
            last_step = self.end + timedelta(days=FLUSH_AFTER_DAYS + 10)
            day = self.start
            while day <= last_step:
                if day <= self.end:
                    self._simulate_day(day)
                    if day.day == 1 or day == self.start:
                        self.progress(f"generating {day.isoformat()}")
                self._evaluate(until=day - timedelta(days=EVALUATE_AFTER_DAYS))
                self.oracle.forget_before(local_midnight_utc(day - timedelta(days=6)))
                self._flush(until=day - timedelta(days=FLUSH_AFTER_DAYS))
                day += timedelta(days=1)
            self._evaluate(until=last_step)
            self._flush(until=last_step, final=True)
            self.person_out.close()
        self._write_deliveries()
        self._write_readme()
        self.result.seconds = time.perf_counter() - started
        return self.result

    # -- one day of incidents -------------------------------------------------------------------
    def _simulate_day(self, day: date) -> None:
        rng = random.Random(f"{self.seed}:day:{day.isoformat()}")
        spells, by_role = self._staff_day(day)
        handlers = by_role["CALL HANDLER"] or by_role["CONTROLLER"]
        supervisors = by_role["SUPERVISOR"] or handlers
        colleagues = by_role["CONTROLLER"] + by_role["RESEARCHER"] + supervisors
        officers = by_role["OFFICER"]

        def has_access(staff_no: str, system: str) -> bool:
            spell = spells.get(staff_no)
            if spell is None:
                return False
            return bool(
                spell.pnc_user if system == "PNC" else spell.pnd_user if system == "PND" else True
            )

        vols = self.cfg["volumes"]
        factor = _seasonal(day)
        n_dom = _poisson(rng, vols["domestic_incidents_per_year"] * self.scale / 365 * factor)
        n_other = _poisson(rng, vols["abandoned_or_silent_999_per_year"] * self.scale / 365)
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
            urn = f"HC-{day.strftime('%y%m%d')}-{serial:04d}"
            self._one_incident(
                rng, urn, created, domestic, handlers, supervisors, colleagues, officers, has_access
            )
        self._control_room_background(day, rng, spells, handlers + supervisors + colleagues)
        self._partner_noise(day, rng)

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

    def _one_incident(
        self, rng, urn, created, domestic, handlers, supervisors, colleagues, officers, has_access
    ) -> None:
        if domestic:
            pid, repeat = self._choose_victim(rng)
        else:
            pid, repeat = self.next_stranger, False
            self.next_stranger += 1
        person = self.world.person(pid)
        address = self.world.address(person.address_id)
        high_risk = bool(self.marac_dates.get(pid)) and rng.random() < 0.6
        incident = self.factory.build(
            rng,
            urn,
            created,
            person,
            address,
            domestic=domestic,
            repeat_victim=repeat and pid in self.known_people,
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
        incident.history_visible = self._history_visible(incident)
        if domestic:
            self._remember(incident)
            self._police_referrals(rng, incident, pid)
        for planned in incident.searches:
            self._emit_search(rng, planned, related=True)
        if delivered:
            for version in [incident, *incident.reopened_versions]:
                if to_local(version.closed).date() <= self.end:
                    self._emit_incident(version)
                    latest = version
            incident.latest = latest
            self.pending_truth.append(incident)

    def _reopen(self, rng, incident: Incident) -> Incident:
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

    # -- what was known before the call (the answer key's missed_history) ------------------
    def _history_visible(self, inc: Incident) -> bool:
        person = inc.person
        if person is None:
            return False
        known = False
        if inc.caller_name and person.person_id in self.known_people:
            known = True
        if inc.telephone_key() and person.mobile in self.known_phones:
            known = True
        if inc.address is not None and inc.address.address_id in self.known_addresses:
            known = True
        if inc.caller_name or inc.telephone_key():
            day = to_local(inc.created).date()
            if any(
                d < day and (day - d).days <= 365
                for d in self.marac_dates.get(person.person_id, ())
            ):
                known = True
            first_other = self.other_referral_first.get(person.person_id)
            if first_other is not None and first_other < day:
                known = True
        return known

    def _remember(self, inc: Incident) -> None:
        if to_local(inc.closed).date() > self.end:
            return  # never delivered: the pipeline cannot know it
        if inc.person is None:
            return
        if inc.caller_name:
            self.known_people.add(inc.person.person_id)
        if inc.telephone_key():
            self.known_phones.add(inc.person.mobile)
        if inc.address is not None:
            self.known_addresses.add(inc.address.address_id)

    # -- searches --------------------------------------------------------------------------
    def _emit_search(self, rng, planned, related: bool) -> None:
        user = self._user_id(planned.staff_no, planned.system, planned.at)
        if user is None:
            return
        feed = SYSTEM_FEED[planned.system]
        sort_at, row = self.audit.render(
            rng, planned.system, planned.subject_type, planned.at, user, planned.display
        )
        file_day = sort_at.date() if feed in UTC_FEEDS else to_local(sort_at).date()
        if not self.start <= file_day <= self.end:
            return  # outside the delivered period: nobody will ever see it
        self.outbox[(feed, file_day)].append((sort_at, row))
        ref = f"{planned.system}:{sort_at.isoformat()}:{planned.staff_no}"
        self.oracle.add(
            Search(
                sort_at,
                planned.system,
                planned.subject_type,
                planned.staff_no,
                planned.subject,
                ref,
            ),
            subject_relevant=related,
        )

    def _control_room_background(self, day, rng, spells, control_staff) -> None:
        """Control-room staff search for their other (non-domestic) incidents too. Those
        searches can fall inside a claim's window, so the answer key must see them."""
        if not control_staff:
            return
        share = 0.08
        midnight = local_midnight_utc(day)
        for system, per_day in self.cfg["volumes"]["audit_background_rows_per_day"].items():
            count = _poisson(rng, per_day * self.scale * share)
            types = ["PERSON"] if system == "PNC" else ["PERSON", "ADDRESS", "TELEPHONE"]
            for _ in range(count):
                at = midnight + timedelta(seconds=rng.uniform(0, 86_399))
                subject_type = rng.choice(types)
                display = audit.background_display(rng, subject_type)
                self._emit_search(
                    rng,
                    PlannedSearch(
                        at, system, subject_type, rng.choice(control_staff), object(), display
                    ),
                    related=False,
                )

    # -- incidents and logs to their files ------------------------------------------------
    def _emit_incident(self, inc: Incident) -> None:
        closed_day = to_local(inc.closed).date()
        yn = {True: "Y", False: "N"}
        row = [
            inc.urn,
            fmt_local(inc.created),
            inc.channel,
            fmt_local(inc.answered),
            fmt_local(inc.call_end),
            yn[inc.abandoned],
            yn[inc.silent],
            fmt_local(inc.callback_at),
            inc.callback_by,
            inc.caller_name,
            inc.caller_dob.strftime("%d/%m/%Y") if inc.caller_dob else "",
            inc.caller_tel,
            inc.location,
            inc.postcode,
            inc.uprn,
            inc.open_code,
            inc.close_code,
            ";".join(inc.qualifiers),
            str(inc.init_grade),
            str(inc.final_grade),
            yn[inc.deployed],
            fmt_local(inc.first_dispatch),
            fmt_local(inc.first_arrival),
            inc.risk_level,
            inc.handler,
            inc.supervisor,
            fmt_local(inc.closed),
            fmt_local(inc.last_updated),
        ]
        self.outbox[("cc_incidents", closed_day)].append(((inc.last_updated, inc.urn), row))
        for entry in inc.log:
            self.outbox[("cc_log", closed_day)].append(
                (
                    (inc.last_updated, inc.urn, entry.seq),
                    [
                        inc.urn,
                        str(entry.seq),
                        fmt_local(entry.at),
                        entry.operator,
                        entry.entry_type,
                        entry.text,
                    ],
                )
            )

    # -- partners ----------------------------------------------------------------------------
    def _partner(self, feed: str, day: date, pid: int, payload: tuple) -> None:
        if self.start <= day <= self.end:
            month = day.replace(day=1)
            self.partner_serial += 1
            self.partner_outbox[(feed, month)].append((day, self.partner_serial, pid, payload))

    def _police_referrals(self, rng, inc: Incident, pid: int) -> None:
        day = to_local(inc.created).date()
        if inc.risk_level == "HIGH" and rng.random() < 0.85:
            referred = day + timedelta(days=rng.randint(1, 6))
            previous = [d for d in self.marac_dates[pid] if (referred - d).days <= 365]
            basis = (
                "Repeat"
                if previous and rng.random() < 0.5
                else rng.choices(
                    ["DASH 14+", "Professional Judgement", "Escalation"], weights=[70, 20, 10]
                )[0]
            )
            children = rng.randint(1, 3) if "CHILD PRESENT" in inc.qualifiers else 0
            self.marac_dates[pid].append(referred)
            self._partner(
                "partner_marac", referred, pid, ("Police", basis, bool(previous), children)
            )
        if "CHILD PRESENT" in inc.qualifiers and rng.random() < 0.55:
            received = day + timedelta(days=rng.randint(0, 3))
            self._note_other(pid, received)
            self._partner("partner_mash", received, pid, ("DA",))
        if not inc.abandoned and rng.random() < 0.3:
            referred = day + timedelta(days=rng.randint(1, 2))
            consent = rng.random() < 0.65
            service = (
                "IDVA" if inc.risk_level == "HIGH" else rng.choice(["General", "General", "ISVA"])
            )
            self._note_other(pid, referred)
            self._partner("partner_vs", referred, pid, (consent, service))

    def _note_other(self, pid: int, day: date) -> None:
        if pid not in self.other_referral_first or day < self.other_referral_first[pid]:
            self.other_referral_first[pid] = day

    def _partner_noise(self, day: date, rng) -> None:
        """Referrals from other agencies: of people who have called, who will call, or who
        never call the police at all (the linkage must not join those to anyone)."""
        for feed, per_month in self.cfg["volumes"]["partner_noise_per_month"].items():
            for _ in range(_poisson(rng, per_month * self.scale * 12 / 365)):
                roll = rng.random()
                if roll < 0.25 and self.recent_victims:
                    pid = rng.choice(self.recent_victims)
                elif roll < 0.45:
                    pid = self.next_person + rng.randint(0, int(400 * max(self.scale, 1)))
                else:
                    pid = self.next_noise
                    self.next_noise += 1
                if feed == "partner_marac":
                    previous = [d for d in self.marac_dates[pid] if (day - d).days <= 365]
                    self.marac_dates[pid].append(day)
                    agency = rng.choice(
                        ["IDVA", "Health", "Children's Services", "Housing", "Probation", "Other"]
                    )
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
                self._partner(feed, day, pid, payload)

    # -- the answer key ----------------------------------------------------------------------
    def _evaluate(self, until: date) -> None:
        keep = []
        for inc in self.pending_truth:
            if to_local(inc.created).date() > until:
                keep.append(inc)
                continue
            latest = inc.latest
            statuses = []
            for entry in latest.log:
                for claim in entry.claims:
                    status, ref = self.oracle.status(
                        claim.system,
                        claim.subject_type,
                        inc.subject(claim.subject_type),
                        entry.operator,
                        inc.created,
                        entry.at,
                    )
                    statuses.append(status)
                    self.claims_out.writerow(
                        [
                            inc.urn,
                            entry.seq,
                            claim.system,
                            claim.subject_type,
                            claim.result,
                            entry.operator,
                            status,
                            ref,
                        ]
                    )
            unverified = sum(s not in ("VERIFIED", "VERIFIED_BY_COLLEAGUE") for s in statuses)
            weak_response = (not latest.deployed) or latest.final_grade in (3, 4)
            missed = inc.history_visible and (not statuses or unverified > 0) and weak_response
            person_id = inc.person.person_id if inc.person is not None else ""
            if inc.person is not None:
                self.person_writer.writerow(["cc_incidents", inc.urn, person_id])
            self.incidents_out.writerow(
                [
                    inc.urn,
                    person_id,
                    "Y" if inc.is_domestic else "N",
                    "Y" if inc.history_visible else "N",
                    "Y" if missed else "N",
                    len(statuses),
                    unverified,
                ]
            )
            self.result.claims += len(statuses)
            self.result.incidents += 1
        self.pending_truth = keep

    # -- files ---------------------------------------------------------------------------------
    def _choose_late_days(self) -> dict[tuple[str, date], int]:
        rng = random.Random(f"{self.seed}:late")
        late = {}
        for _ in range(int(self.cfg["defects"]["late_days"])):
            if self.days < 10:
                break
            day = self.start + timedelta(days=rng.randint(5, self.days - 5))
            late[(rng.choice(DAILY_FEEDS[:6]), day)] = rng.randint(2, 6)
        return late

    def _choose_redeliveries(self) -> set[tuple[str, date]]:
        """Daily files first delivered short, then corrected: at least one in any run."""
        rng = random.Random(f"{self.seed}:redeliveries")
        count = max(1, round(self.cfg["defects"]["redelivered_files"] * self.days * 6))
        return {
            (rng.choice(DAILY_FEEDS[:6]), self.start + timedelta(days=rng.randrange(self.days)))
            for _ in range(count)
        }

    def _file_name(self, feed: str, day: date) -> Path:
        ext = {"audit_pnc": "txt", "audit_pnd": "jsonl"}.get(feed, "csv")
        stamp = day.strftime("%Y%m") if feed in MONTHLY_FEEDS else day.strftime("%Y%m%d")
        return self.landing / feed / f"{feed}_{stamp}.{ext}"

    def _flush(self, until: date, final: bool = False) -> None:
        last = min(until, self.end)
        if not hasattr(self, "_flushed_to"):
            self._flushed_to = self.start - timedelta(days=1)
        day = self._flushed_to + timedelta(days=1)
        while day <= last:
            for feed in DAILY_FEEDS:
                self._write_daily(feed, day)
            self._flushed_to = day
            day += timedelta(days=1)
        for feed, month in sorted(self.partner_outbox):
            next_month = (month + timedelta(days=32)).replace(day=1)
            if next_month <= until or final:
                self._write_monthly(feed, month, self.partner_outbox.pop((feed, month)))

    def _write_daily(self, feed: str, day: date) -> None:
        pending = sorted(self.outbox.pop((feed, day), []), key=lambda item: item[0])
        path = self._file_name(feed, day)
        rows = [row for _, row in pending]
        if feed in SYSTEM_FEED.values():
            rows = list(merge(pending, self._background(feed, day), key=lambda item: item[0]))
            rows = [row for _, row in rows]
        if feed == "staff_directory":
            rows = [
                [
                    s.staff_no,
                    s.pnc_user or "",
                    s.pnd_user or "",
                    s.surname,
                    s.forename,
                    s.role,
                    s.team,
                    s.valid_from.isoformat(),
                    s.valid_to.isoformat() if s.valid_to else "",
                ]
                for s in self.roster.directory_rows(day)
            ]
        data = self._encode(feed, rows)
        rng = random.Random(f"{self.seed}:redeliver:{feed}:{day.isoformat()}")
        delivered_on = day + timedelta(days=1)
        if (feed, day) in self.late_days:
            delivered_on = day + timedelta(days=self.late_days[(feed, day)])
        if (feed, day) in self.redeliveries and len(rows) > 5:
            short = self._encode(feed, rows[: int(len(rows) * rng.uniform(0.8, 0.95))])
            first = self.out / "deliveries" / "first" / feed / path.name
            writers.publish(first, short)
            self.deliveries.append(
                [
                    feed,
                    path.name,
                    day.isoformat(),
                    "1",
                    delivered_on.isoformat(),
                    hashlib.sha256(short).hexdigest(),
                    "first delivery, short; corrected by delivery 2",
                ]
            )
            delivered_on += timedelta(days=rng.randint(1, 3))
            self.deliveries.append(
                [
                    feed,
                    path.name,
                    day.isoformat(),
                    "2",
                    delivered_on.isoformat(),
                    hashlib.sha256(data).hexdigest(),
                    "corrected redelivery",
                ]
            )
        else:
            note = "late" if (feed, day) in self.late_days else ""
            self.deliveries.append(
                [
                    feed,
                    path.name,
                    day.isoformat(),
                    "1",
                    delivered_on.isoformat(),
                    hashlib.sha256(data).hexdigest(),
                    note,
                ]
            )
        writers.publish(path, data)
        self.result.rows[feed] += len(rows)
        self.result.files[feed] += 1

    def _encode(self, feed: str, rows: list) -> bytes:
        if feed == "audit_pnc":
            return "".join(r + "\n" for r in rows).encode("ascii")
        if feed == "audit_pnd":
            return "".join(r + "\n" for r in rows).encode("utf-8")
        header, encoding, crlf = {
            "cc_incidents": (INCIDENT_HEADER, "cp1252", True),
            "cc_log": (LOG_HEADER, "cp1252", True),
            "audit_cc": (CAD_HEADER, "cp1252", True),
            "audit_rms": (RMS_HEADER, "utf-8", False),
            "staff_directory": (STAFF_HEADER, "utf-8", False),
        }[feed]
        return writers.csv_bytes(header, rows, encoding=encoding, crlf=crlf)

    def _background(self, feed: str, day: date):
        """The force's other audit traffic for one file, in time order (streamed)."""
        system = {v: k for k, v in SYSTEM_FEED.items()}[feed]
        rng = random.Random(f"{self.seed}:background:{feed}:{day.isoformat()}")
        spells = [s for s in self.roster.active_on(day) if s.role not in CONTROL_ROLES]
        if system == "PNC":
            spells = [s for s in spells if s.pnc_user]
        if system == "PND":
            spells = [s for s in spells if s.pnd_user]
        if not spells:
            return
        per_day = self.cfg["volumes"]["audit_background_rows_per_day"][system] * self.scale
        count = _poisson(rng, per_day * (1.05 if day.weekday() < 5 else 0.85))
        if feed in UTC_FEEDS:
            start = datetime(day.year, day.month, day.day)
        else:
            start = local_midnight_utc(day)
        for at in audit.background_searches(rng, system, start, count):
            spell = rng.choice(spells)
            user = (
                spell.pnc_user
                if system == "PNC"
                else spell.pnd_user
                if system == "PND"
                else spell.staff_no
            )
            roll = rng.random()
            if system == "PNC":
                if roll < 0.45:
                    out = self.audit.pnc(
                        rng, at, user, "QNAM", audit.background_display(rng, "PERSON")
                    )
                else:
                    txn = rng.choice(["QVRM", "QVRM", "QDRV", "UPDT"])
                    out = self.audit.pnc(
                        rng, at, user, txn, vrm=audit.vrm(rng) if txn == "QVRM" else ""
                    )
            elif system == "PND":
                if roll < 0.8:
                    subject_type = rng.choices(
                        ["PERSON", "ADDRESS", "TELEPHONE"], weights=[6, 2, 1]
                    )[0]
                    out = self.audit.render(
                        rng,
                        "PND",
                        subject_type,
                        at,
                        user,
                        audit.background_display(rng, subject_type),
                    )
                elif roll < 0.93:
                    out = self.audit.pnd(rng, at, user, {"kind": "vehicle", "vrm": audit.vrm(rng)})
                else:
                    out = self.audit.pnd(
                        rng,
                        at,
                        user,
                        {"kind": "organisation", "name": audit.invented_surname(rng) + " Ltd"},
                    )
            elif system == "RMS":
                if roll < 0.45:
                    subject_type = rng.choices(
                        ["PERSON", "ADDRESS", "TELEPHONE"], weights=[6, 3, 1]
                    )[0]
                    out = self.audit.render(
                        rng,
                        "RMS",
                        subject_type,
                        at,
                        user,
                        audit.background_display(rng, subject_type),
                    )
                else:
                    action = rng.choices(
                        ["VIEW_OCCURRENCE", "VIEW_PERSON", "UPDATE_RECORD", "LOGIN"],
                        weights=[5, 3, 3, 1],
                    )[0]
                    record = (
                        ""
                        if action == "LOGIN"
                        else (f"OCC-{day.strftime('%y')}-{rng.randint(100000, 999999)}")
                    )
                    out = self.audit.rms(rng, at, user, action, "", record)
            else:
                subject_type = rng.choices(["PERSON", "ADDRESS", "TELEPHONE"], weights=[4, 4, 2])[0]
                out = self.audit.render(
                    rng, "CAD", subject_type, at, user, audit.background_display(rng, subject_type)
                )
            file_day = out[0].date() if feed in UTC_FEEDS else to_local(out[0]).date()
            if file_day == day:
                yield out

    def _write_monthly(self, feed: str, month: date, items: list) -> None:
        items.sort(key=lambda item: (item[0], item[1]))
        rows = []
        for referred, _, pid, payload in items:
            rng = random.Random(f"{self.seed}:{feed}:{pid}:{referred.isoformat()}")
            person = self.world.person(pid)
            self.ref_counters[(feed, referred.year)] += 1
            n = self.ref_counters[(feed, referred.year)]
            if feed == "partner_marac":
                ref = f"M-{referred.year}-{n:04d}"
                rows.append(self.partner_view.marac_row(rng, person, ref, referred, *payload))
            elif feed == "partner_mash":
                ref = f"LA-{80000 + n + (referred.year - 2025) * 20000}"
                rows.append(self.partner_view.mash_row(rng, person, ref, referred, *payload))
            else:
                ref = f"VS/{referred.strftime('%y')}/{n:05d}"
                rows.append(self.partner_view.vs_row(rng, person, ref, referred, *payload))
            self.person_writer.writerow([feed, ref, pid])
        path = self._file_name(feed, month)
        header = {
            "partner_marac": MARAC_HEADER,
            "partner_mash": MASH_HEADER,
            "partner_vs": VS_HEADER,
        }[feed]
        if feed == "partner_marac":
            data = writers.csv_bytes(header, rows, encoding="utf-8", crlf=True, bom=True)
        else:
            data = writers.csv_bytes(header, rows, encoding="utf-8", crlf=False)
        writers.publish(path, data)
        month_end = (month + timedelta(days=32)).replace(day=1)
        self.deliveries.append(
            [
                feed,
                path.name,
                month.isoformat(),
                "1",
                (month_end + timedelta(days=3)).isoformat(),
                hashlib.sha256(data).hexdigest(),
                "",
            ]
        )
        self.result.rows[feed] += len(rows)
        self.result.files[feed] += 1

    def _write_deliveries(self) -> None:
        path = self.truth_dir / "deliveries.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(
                ["feed", "file", "business_date", "delivery", "delivered_on", "sha256", "note"]
            )
            writer.writerows(sorted(self.deliveries))

    def _write_readme(self) -> None:
        (self.truth_dir / "README.md").write_text(TRUTH_README, encoding="utf-8")


TRUTH_README = """# The answer key

Written by `dacall generate` beside `landing/`. The pipeline never reads it; tests and the
quality reports compare the pipeline's output with it.

- `claims.csv`: every claim the generator wrote into a `cc_log` entry of a delivered incident
  (latest version), with the status claims.md gives it. The status is decided from the
  structured truth (who searched what, when), not by parsing the feeds. `audit_ref` names the
  deciding search (system, UTC time, staff number). A log entry that is not listed claims
  nothing (negations, deferrals and ordinary remarks).
- `incidents.csv`: every delivered incident, its caller's true `person_id` (empty when the
  C&C recorded neither a name nor a number), whether it was domestic, whether history was
  visible before it was created, and `missed_history` (history visible, the claimed checks
  not all verified or none claimed, and no deployment or a final grade 3 or 4).
- `person_records.csv`: the true person behind every incident caller and partner record
  (`source`, `source_record_id`, `person_id`): the linkage's answer key.
- `deliveries.csv`: every file delivery: feed, file, business date, delivery number, the
  day it arrived, its SHA-256, and a note for late days and corrected redeliveries. The first,
  short deliveries of corrected files are kept under `../deliveries/first/`.

History is visible when, before the incident was created, the force had a domestic incident
with the same person (by name), number or address, or a partner had referred the person
(MARAC within 12 months; MASH or Victim Support at any time) on an earlier day.
"""


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
