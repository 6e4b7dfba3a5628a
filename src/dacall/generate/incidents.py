"""One incident as the C&C records it: the call, its log, the checks claimed and done."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dacall.generate import claimtext
from dacall.generate.clock import writable_local
from dacall.generate.oracle import AddressKey, PersonKey
from dacall.generate.world import (
    Address,
    Person,
    e164,
    fold,
    location_text,
    phone_as_typed,
    postcode_as_typed,
    strip_accents,
    typo,
)

GRADE_ATTEND_MINUTES = {1: (11.0, 0.45), 2: (240.0, 1.2), 3: (1440.0, 0.8)}


@dataclass
class LogEntry:
    seq: int
    at: datetime
    operator: str
    entry_type: str
    text: str
    claims: list[claimtext.Claim] = field(default_factory=list)


@dataclass
class PlannedSearch:
    """A search somebody will make, before it is given a user id and written to a feed."""

    at: datetime
    system: str
    subject_type: str
    staff_no: str
    subject: object  # oracle key of what was typed
    display: dict  # what was typed, by field


@dataclass
class Incident:
    urn: str
    created: datetime
    channel: str
    answered: datetime | None
    call_end: datetime | None
    abandoned: bool
    silent: bool
    callback_at: datetime | None
    callback_by: str
    person: Person | None
    caller_name: str
    caller_dob: date | None
    caller_tel: str  # as recorded, may be WITHHELD or empty
    address: Address | None
    location: str
    postcode: str
    uprn: str
    open_code: str
    close_code: str
    qualifiers: list[str]
    init_grade: int
    final_grade: int
    deployed: bool
    first_dispatch: datetime | None
    first_arrival: datetime | None
    risk_level: str
    handler: str
    supervisor: str
    closed: datetime
    last_updated: datetime
    log: list[LogEntry]
    searches: list[PlannedSearch]
    is_domestic: bool
    recorded_surname: str = ""
    recorded_forename: str = ""
    reopened_versions: list[Incident] = field(default_factory=list)
    history_visible: bool = False
    latest: Incident | None = None

    # The subjects claims.md says a claim is about, as the oracle compares them.
    def person_key(self) -> PersonKey | None:
        if not self.caller_name:
            return None
        return PersonKey(
            fold(self.recorded_surname), fold(self.recorded_forename)[:1], self.caller_dob
        )

    def address_key(self) -> AddressKey | None:
        if self.address is None:
            return None
        return AddressKey(
            self.uprn or None,
            self.address.building,
            self.address.street_key,
            self.address.postcode if self.postcode else None,
        )

    def telephone_key(self) -> str | None:
        if not self.caller_tel or self.caller_tel == "WITHHELD" or self.person is None:
            return None
        return e164(self.person.mobile)

    def subject(self, subject_type: str):
        return {
            "PERSON": self.person_key,
            "ADDRESS": self.address_key,
            "TELEPHONE": self.telephone_key,
        }[subject_type]()


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0, sigma))


def _pick(rng: random.Random, weights: dict) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


REMARKS = [
    "CALLER STATES PARTNER HAS HIT HER, CAN HEAR SHOUTING IN BACKGROUND",
    "CALLER REPORTS EX PARTNER SENDING THREATENING MESSAGES",
    'CALLER SAID "HE SAID HE WILL KILL ME" - CRYING',
    "CALLER SAID “HE’LL BE BACK TONIGHT” – SOUNDS SCARED",
    "NEIGHBOUR REPORTS SCREAMING AND BANGING FROM NEXT DOOR",
    "CALLER STATES EX PARTNER HAS KICKED DOOR IN, 2 CHILDREN PRESENT",
    "VERBAL ARGUMENT ONLY, NO INJURIES, CALLER WANTS ADVICE",
    "CALLER SAYS PARTNER TOOK HER PHONE AND WON'T LET HER LEAVE",
    "EX PARTNER OUTSIDE ADDRESS IN BREACH OF NON-MOLESTATION ORDER",
    "PARTNER DEMANDING MONEY, SAYS SHE OWES HIM €200",
    "CALLER REPORTS SON IS THREATENING HER WITH A KNIFE",
    "ONLINE REPORT: ONGOING COERCIVE BEHAVIOUR, CONTROLS FINANCES",
]
ABANDONED_REMARKS = [
    "CALL ABANDONED - STRUGGLE AND MALE ARGUING HEARD ON LINE",
    "CALL ABANDONED AFTER CONNECTION - NO SPEECH",
    "LINE DROPPED - FEMALE SCREAMING HEARD BEFORE DISCONNECT",
    "SILENT CALL - 55 NOT PRESSED, BREATHING HEARD",
    "SILENT SOLUTION - CALLER PRESSED 55, WHISPERING",
]


class IncidentFactory:
    """Builds incidents for one day; the engine supplies people, staff and state."""

    def __init__(self, config: dict, standard_set: list[str]):
        self.cfg = config
        self.defects = config["defects"]
        self.calls = config["call_handling"]
        self.standard_set = standard_set

    # -- the call ---------------------------------------------------------------------------
    def _answer_seconds(self, rng: random.Random, channel: str) -> float:
        if channel == "999":
            if rng.random() < self.calls["answered_999_within_10s"]:
                return rng.uniform(1.5, 9.9)
            return 10 + lognormal(rng, 14, 0.9)
        if channel == "101":
            return lognormal(rng, 150, 1.0)
        return rng.uniform(2, 20)  # transfers from another service

    def build(
        self,
        rng: random.Random,
        urn: str,
        created: datetime,
        person: Person | None,
        address: Address | None,
        *,
        domestic: bool,
        repeat_victim: bool,
        high_risk_marker: bool,
        handler: str,
        supervisor: str,
        colleagues: list[str],
        officers: list[str],
        has_access,
    ) -> Incident:
        created = writable_local(created)
        channel = _pick(rng, self.cfg["channels"]) if domestic else "999"
        is_call = channel in ("999", "101", "TRANSFER")
        abandoned = silent = False
        if channel == "999":
            abandoned = rng.random() < self.calls["abandoned_999"] or not domestic
            silent = (not domestic and rng.random() < 0.3) or rng.random() < self.calls[
                "silent_999"
            ]
        elif channel == "101":
            abandoned = rng.random() < self.calls["abandoned_101"]
        answered = call_end = None
        if is_call:
            wait = self._answer_seconds(rng, channel)
            if abandoned and rng.random() < 0.35:
                call_end = writable_local(created + timedelta(seconds=wait * rng.uniform(0.3, 0.9)))
            else:
                answered = writable_local(created + timedelta(seconds=wait))
                length = rng.uniform(20, 90) if abandoned else lognormal(rng, 420, 0.5)
                call_end = writable_local(answered + timedelta(seconds=length))
        callback_at = None
        callback_by = ""
        if (abandoned or silent) and rng.random() < self.calls["callback_attempted"]:
            delay = lognormal(rng, self.calls["callback_median_minutes"], 0.75)
            callback_at = writable_local((call_end or created) + timedelta(minutes=delay))
            callback_by = supervisor if rng.random() < 0.4 else handler

        # Who and where, as recorded.
        knows_name = person is not None and (
            domestic and rng.random() < 0.96 or rng.random() < 0.35
        )
        caller_name = surname = forename = ""
        dob = None
        if knows_name:
            surname, forename = person.surname, person.forename
            if rng.random() < self.defects["cc_name_typo"]:
                surname = typo(surname, rng)
            if rng.random() < 0.2:  # typed without the accent
                forename = strip_accents(forename)
            middle = f" {person.middle}" if person.middle and rng.random() < 0.5 else ""
            caller_name = (
                f"{surname.upper()}, {forename}{middle}"
                if rng.random() < 0.6
                else f"{forename}{middle} {surname.upper()}"
            )
            if rng.random() < 0.25:
                caller_name = caller_name.replace("'", "’")
            dob = person.dob if rng.random() < 0.8 else None
        caller_tel = ""
        if person is not None and (is_call or rng.random() < 0.6):
            if channel == "101" and rng.random() < 0.04:
                caller_tel = "WITHHELD"
            else:
                caller_tel = phone_as_typed(person.mobile, rng)
        location = postcode = uprn = ""
        if address is not None and (domestic or rng.random() < 0.5):
            location = location_text(address, rng)
            postcode = postcode_as_typed(address.postcode, rng) if rng.random() < 0.88 else ""
            uprn = address.uprn if rng.random() < 0.65 else ""
        else:
            address = None

        # Codes, grades and the response.
        if domestic:
            open_code = _pick(
                rng,
                {
                    "DOMESTIC": 70,
                    "ASSAULT": 9,
                    "CONCERN": 6,
                    "HARASS": 6,
                    "BREACH": 5,
                    "CRIM-DAM": 2,
                    "ABAND-999": 2,
                },
            )
            close_code = (
                "DOMESTIC"
                if rng.random() < 0.8
                else _pick(rng, {"ASSAULT": 4, "HARASS": 3, "BREACH": 2, "CRIM-DAM": 1, "NFA": 2})
            )
        else:
            open_code = "SILENT-999" if silent else "ABAND-999"
            close_code = "NFA" if rng.random() < 0.8 else "CONCERN"
        qualifiers = []
        if domestic and (open_code != "DOMESTIC" or rng.random() < 0.9):
            qualifiers.append("DOMESTIC")
        if domestic and repeat_victim:
            qualifiers.append("REPEAT VICTIM")
        if domestic and rng.random() < 0.28:
            qualifiers.append("CHILD PRESENT")
        if domestic and rng.random() < 0.06:
            qualifiers.append("WEAPON")
        if domestic and rng.random() < 0.22:
            qualifiers.append("ALCOHOL")
        if domestic and rng.random() < 0.05:
            qualifiers.append("VULNERABLE ADULT")
        if high_risk_marker:
            qualifiers.append("HIGH RISK MARKER")
        if domestic:
            init_grade = int(_pick(rng, {"1": 31, "2": 46, "3": 16, "4": 7}))
            if high_risk_marker and abandoned:
                init_grade = 1  # the post-2023 rule for abandoned calls from marked numbers
        else:
            init_grade = int(_pick(rng, {"1": 8, "2": 30, "3": 12, "4": 50}))
        final_grade = init_grade
        if rng.random() < 0.11:
            final_grade = min(4, max(1, init_grade + rng.choice([-1, 1, 1, 2])))
        deployed = final_grade in (1, 2) or (final_grade == 3 and rng.random() < 0.7)
        first_dispatch = first_arrival = None
        base = answered or created
        if deployed:
            median, sigma = GRADE_ATTEND_MINUTES[min(init_grade, 3)]
            attend = min(lognormal(rng, median, sigma), 60 * 24 * 6)
            first_dispatch = writable_local(
                base + timedelta(minutes=min(attend * rng.uniform(0.1, 0.4), attend - 0.5))
            )
            first_arrival = writable_local(created + timedelta(minutes=max(attend, 1.0)))
        if domestic:
            risk = _pick(rng, {"STANDARD": 40, "MEDIUM": 34, "HIGH": 15, "NOT ASSESSED": 11})
            if abandoned and not deployed:
                risk = "NOT ASSESSED"
        else:
            risk = "NOT ASSESSED"
        end_of_work = first_arrival or call_end or created
        closed = writable_local(end_of_work + timedelta(minutes=lognormal(rng, 70, 0.8)))
        incident = Incident(
            urn=urn,
            created=created,
            channel=channel,
            answered=answered,
            call_end=call_end,
            abandoned=abandoned,
            silent=silent,
            callback_at=callback_at,
            callback_by=callback_by,
            person=person if knows_name or caller_tel else None,
            caller_name=caller_name,
            caller_dob=dob,
            caller_tel=caller_tel,
            address=address,
            location=location,
            postcode=postcode,
            uprn=uprn,
            open_code=open_code,
            close_code=close_code,
            qualifiers=qualifiers,
            init_grade=init_grade,
            final_grade=final_grade,
            deployed=deployed,
            first_dispatch=first_dispatch,
            first_arrival=first_arrival,
            risk_level=risk,
            handler=handler,
            supervisor=supervisor if rng.random() < 0.6 else "",
            closed=closed,
            last_updated=closed,
            log=[],
            searches=[],
            is_domestic=domestic,
            recorded_surname=surname,
            recorded_forename=forename,
        )
        self._write_log(rng, incident, colleagues, officers, has_access)
        return incident

    # -- the log and the checks -------------------------------------------------------------
    def _write_log(self, rng, inc: Incident, colleagues, officers, has_access) -> None:
        entries: list[LogEntry] = []
        t = (inc.answered or inc.created) + timedelta(seconds=rng.uniform(15, 80))

        def add(at, operator, kind, text, claims=()):
            entries.append(LogEntry(0, writable_local(at), operator, kind, text, list(claims)))

        if inc.abandoned or inc.silent:
            add(t, inc.handler, "REMARK", rng.choice(ABANDONED_REMARKS))
        else:
            add(t, inc.handler, "REMARK", rng.choice(REMARKS))
        t += timedelta(seconds=rng.uniform(20, 120))
        reason = "ABANDONED CALL, CALL BACK" if inc.abandoned else "DOMESTIC, RISK TO CALLER"
        add(t, inc.handler, "GRADE", f"GRADED {inc.init_grade} - {reason}")

        checker = inc.handler
        if inc.callback_at is not None:
            cb_text = rng.choice(
                [
                    "CB MADE TO CALLER - STATES NO POLICE REQUIRED.\nMALE WHISPERING IN BACKGROUND",
                    "CALL BACK MADE - NO ANSWER, VOICEMAIL",
                    'CB MADE - CALLER CONFIRMS ALL OK, "JUST AN ARGUMENT"',
                    "CALL BACK - FEMALE ANSWERED, CRYING, CONFIRMS PARTNER PRESENT",
                ]
            )
            add(
                inc.callback_at + timedelta(seconds=rng.uniform(30, 200)),
                inc.callback_by,
                "CALLBACK",
                cb_text,
            )
            checker = inc.callback_by
            t = max(t, inc.callback_at)

        wants_checks = rng.random() < (self.cfg["check_entry_share"] if inc.is_domestic else 0.35)
        if wants_checks:
            n_entries = 1 if rng.random() < 0.75 else 2
            for _ in range(n_entries):
                t += timedelta(seconds=lognormal(rng, 200, 0.6))
                self._check_entry(rng, inc, checker, t, colleagues, officers, has_access, add)
        if rng.random() < self.defects["non_claim_entry"]:
            t += timedelta(seconds=rng.uniform(20, 300))
            add(t, checker, "REMARK", claimtext.non_claim_entry(rng).text)
        if inc.first_dispatch is not None:
            unit = f"{rng.randint(1, 9)}{rng.choice('ABCDEFG')}{rng.randint(1, 9)}"
            add(inc.first_dispatch, inc.handler, "RESOURCE", f"UNIT {unit} DISPATCHED")
            add(inc.first_arrival, inc.handler, "RESOURCE", f"UNIT {unit} ON SCENE")
            if officers and rng.random() < 0.45:
                # The attending officer checks the victim on PNC after arrival: a search
                # outside the call handler's window, which the reconciliation has to place.
                officer = rng.choice(officers)
                person_key = inc.person_key()
                if person_key is not None and has_access(officer, "PNC"):
                    at = inc.first_arrival + timedelta(minutes=rng.uniform(3, 90))
                    inc.searches.append(self._search(rng, inc, "PNC", "PERSON", officer, at))
        if inc.final_grade != inc.init_grade:
            add(
                max(e.at for e in entries) + timedelta(minutes=2),
                inc.supervisor or inc.handler,
                "GRADE",
                f"GRADE CHANGED FROM {inc.init_grade} TO {inc.final_grade}",
            )
        add(
            inc.closed,
            inc.handler,
            "RESULT",
            rng.choice(
                [
                    "INCIDENT CLOSED",
                    "CLOSED - OFFICERS ATTENDED, DASH COMPLETED",
                    "CLOSED - NO FURTHER POLICE ACTION",
                    "CLOSED, SAFEGUARDING IN PLACE",
                ]
            ),
        )
        entries.sort(key=lambda e: e.at)
        for i, entry in enumerate(entries, start=1):
            entry.seq = i
        inc.log = entries
        inc.closed = max(inc.closed, entries[-1].at)
        inc.last_updated = inc.closed

    def _check_entry(self, rng, inc, checker, at, colleagues, officers, has_access, add):
        result = rng.choices(["NO_TRACE", "TRACE", "UNSTATED"], weights=[55, 30, 15])[0]
        if rng.random() < self.defects["mixed_entry"]:
            entry = claimtext.mixed_entry(rng, result)
        else:
            entry = claimtext.claim_entry(rng, self.standard_set, result)
        entry = claimtext.lower_case_sometimes(entry, rng)
        claim_at = writable_local(at)
        add(claim_at, checker, "RESULT", entry.text, entry.claims)
        for claim in entry.claims:
            self._plan_searches(rng, inc, claim, checker, claim_at, colleagues, has_access)

    def _plan_searches(self, rng, inc, claim, claimant, claim_at, colleagues, has_access):
        subject = inc.subject(claim.subject_type)
        if subject is None or (claim.system == "PNC" and claim.subject_type != "PERSON"):
            return
        d = self.defects
        roll = rng.random()
        window_start = inc.created - timedelta(minutes=10)
        if roll < d["claim_no_audit"]:
            return
        roll -= d["claim_no_audit"]
        if roll < d["claim_wrong_subject"]:
            if has_access(claimant, claim.system):
                at = _between(rng, inc.created, claim_at)
                inc.searches.append(
                    self._search(
                        rng, inc, claim.system, claim.subject_type, claimant, at, wrong=True
                    )
                )
            return
        roll -= d["claim_wrong_subject"]
        if roll < d["claim_outside_window"]:
            if rng.random() < 0.85:
                at = claim_at + timedelta(minutes=2) + timedelta(minutes=rng.uniform(3, 600))
            else:
                at = window_start - timedelta(minutes=rng.uniform(5, 600))
            who = claimant if has_access(claimant, claim.system) else rng.choice(colleagues)
            if has_access(who, claim.system):
                inc.searches.append(
                    self._search(rng, inc, claim.system, claim.subject_type, who, at)
                )
            return
        roll -= d["claim_outside_window"]
        by_colleague = roll < d["claim_by_colleague"] or not has_access(claimant, claim.system)
        who = rng.choice(colleagues) if by_colleague else claimant
        if not has_access(who, claim.system):
            return
        edge = rng.random()
        if edge < 0.03:
            at = window_start + timedelta(seconds=rng.uniform(1, 590))  # before creation
        elif edge < 0.08:
            at = claim_at + timedelta(seconds=rng.uniform(1, 118))  # inside the 2-minute grace
        else:
            at = _between(rng, inc.created, claim_at)
        inc.searches.append(self._search(rng, inc, claim.system, claim.subject_type, who, at))

    def _search(self, rng, inc: Incident, system, subject_type, who, at, wrong=False):
        """What the searcher typed: the incident's subject in that system's words."""
        at = writable_local(at)
        if subject_type == "PERSON":
            surname, forename, dob = inc.recorded_surname, inc.recorded_forename, inc.caller_dob
            if wrong:
                if dob is not None and system != "CAD":  # the C&C name search has no DOB
                    dob = dob + timedelta(days=rng.choice([-366, -31, -1, 1, 30, 365]))
                else:
                    wrong_surname = typo(surname, rng)
                    surname = (
                        wrong_surname if fold(wrong_surname) != fold(surname) else surname + "S"
                    )
            if not wrong and inc.caller_dob is None and rng.random() < 0.3:
                dob = inc.person.dob  # the caller gave it on the phone
            elif not wrong and dob is not None and rng.random() < 0.25:
                dob = None  # searched on the name alone
            if system == "CAD":
                dob = None
            key = PersonKey(fold(surname), fold(forename)[:1], dob)
            display = {"surname": surname, "forename": forename, "dob": dob}
        elif subject_type == "ADDRESS":
            addr = inc.address
            building = addr.building + (rng.randint(1, 6) if wrong else 0)
            use_uprn = system == "CAD" and inc.uprn and not wrong and rng.random() < 0.4
            with_postcode = system in ("PND", "RMS") and rng.random() < 0.7
            if use_uprn:
                key = AddressKey(inc.uprn, None, None, None)
            else:
                key = AddressKey(
                    None, building, addr.street_key, addr.postcode if with_postcode else None
                )
            display = {
                "address": addr,
                "building": building,
                "uprn": use_uprn,
                "postcode": with_postcode,
            }
        else:
            number = inc.person.mobile
            if wrong:
                i = rng.randint(5, len(number) - 1)
                number = (
                    number[:i] + str((int(number[i]) + rng.randint(1, 9)) % 10) + number[i + 1 :]
                )
            key = e164(number)
            display = {"number": number}
        return PlannedSearch(at, system, subject_type, who, key, display)


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max((end - start).total_seconds(), 2.0)
    return start + timedelta(seconds=rng.uniform(1, span - 1))
