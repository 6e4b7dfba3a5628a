"""The answer key (the oracle): every claim's status and every incident's missed history.

It keeps its own, independent reading of the spec on purpose: claims.md's statuses, window and
matching in `oracle.py`, and here what history was visible before a call and what a weak
response is. It is the check the pipeline's models are measured against, so it never reads
their rules (the dbt seeds and variables): a rule changed in one place and not the other shows
up as disagreement. It decides from the structured truth the simulation hands it (who searched
what, when), never by parsing the feeds. Written to `truth/` beside `landing/`.
"""

from __future__ import annotations

import csv
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dacall.generate.clock import to_local
from dacall.generate.incidents import Incident
from dacall.generate.oracle import Oracle, Search

if TYPE_CHECKING:
    from dacall.generate.engine import GenerationResult
    from dacall.generate.referrals import Referrals

MARAC_LOOKBACK_DAYS = 365
VERIFIED_STATUSES = ("VERIFIED", "VERIFIED_BY_COLLEAGUE")
WEAK_RESPONSE_GRADES = (3, 4)
CLAIMS_HEADER = [
    "incident_urn",
    "log_seq",
    "system",
    "subject_type",
    "claimed_result",
    "claimed_by",
    "expected_status",
    "audit_ref",
]
INCIDENTS_HEADER = [
    "incident_urn",
    "person_id",
    "domestic",
    "history_visible",
    "missed_history",
    "claims",
    "unverified_claims",
]
PERSON_RECORDS_HEADER = ["source", "source_record_id", "person_id"]


class AnswerKey:
    """Collects the truth as the simulation makes it and writes it once it is settled."""

    def __init__(self, truth_dir: Path, end: date, result: GenerationResult):
        truth_dir.mkdir(parents=True, exist_ok=True)
        self.truth_dir = truth_dir
        self.end = end
        self.result = result
        self.oracle = Oracle()
        self.pending: list[Incident] = []  # delivered incidents whose claims are not settled
        # What the force's own delivered incidents had shown, for history_visible.
        self.known_people: set[int] = set()
        self.known_phones: set[str] = set()
        self.known_addresses: set[int] = set()
        self._files = ExitStack()
        self.claims_out = self._writer("claims.csv", CLAIMS_HEADER)
        self.incidents_out = self._writer("incidents.csv", INCIDENTS_HEADER)
        self.person_out = self._writer("person_records.csv", PERSON_RECORDS_HEADER)

    def _writer(self, name: str, header: list[str]):
        handle = self._files.enter_context(
            (self.truth_dir / name).open("w", newline="", encoding="utf-8")
        )
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        return writer

    def __enter__(self) -> AnswerKey:
        return self

    def __exit__(self, *exc) -> None:
        self._files.close()

    # -- what was known before a call -------------------------------------------------------
    def history_visible(self, inc: Incident, referrals: Referrals) -> bool:
        """Before the call: a delivered domestic incident with the same person (by name),
        number or address, or a partner referral (MARAC within the look-back, MASH or Victim
        Support at any time) of a caller who gave a name or number."""
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
                d < day and (day - d).days <= MARAC_LOOKBACK_DAYS
                for d in referrals.marac_dates_of(person.person_id)
            ):
                known = True
            first_other = referrals.first_other(person.person_id)
            if first_other is not None and first_other < day:
                known = True
        return known

    def remember(self, inc: Incident) -> None:
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

    # -- searches and claims ----------------------------------------------------------------
    def add_search(self, search: Search, *, subject_relevant: bool) -> None:
        self.oracle.add(search, subject_relevant=subject_relevant)

    def forget_before(self, moment: datetime) -> None:
        self.oracle.forget_before(moment)

    def add_delivered(self, inc: Incident) -> None:
        self.pending.append(inc)

    def person_record(self, source: str, record_id: str, person_id: int | str) -> None:
        self.person_out.writerow([source, record_id, person_id])

    def settle(self, until: date) -> None:
        """Writes the claims and the outcome of every incident created up to `until`."""
        keep = []
        for inc in self.pending:
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
            unverified = sum(s not in VERIFIED_STATUSES for s in statuses)
            weak_response = (not latest.deployed) or latest.final_grade in WEAK_RESPONSE_GRADES
            missed = inc.history_visible and (not statuses or unverified > 0) and weak_response
            person_id = inc.person.person_id if inc.person is not None else ""
            if inc.person is not None:
                self.person_record("cc_incidents", inc.urn, person_id)
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
        self.pending = keep

    def write_readme(self) -> None:
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
