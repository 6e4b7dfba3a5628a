"""The answer key's own reconciliation: claims.md's rules applied to what the generator knows.

The pipeline has to recover people, addresses and numbers from messy text; the generator knows
them as structured values. Applying the rules of claims.md to those values gives the status
every claim should get, independently of how the pipeline parses anything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

WINDOW_BEFORE = timedelta(minutes=10)
WINDOW_GRACE = timedelta(minutes=2)
BAND = timedelta(hours=24)
SEARCHABLE = {
    ("PNC", "PERSON"),
    ("PND", "PERSON"),
    ("PND", "ADDRESS"),
    ("PND", "TELEPHONE"),
    ("RMS", "PERSON"),
    ("RMS", "ADDRESS"),
    ("RMS", "TELEPHONE"),
    ("CAD", "PERSON"),
    ("CAD", "ADDRESS"),
    ("CAD", "TELEPHONE"),
}


@dataclass(frozen=True, slots=True)
class PersonKey:
    surname: str  # folded
    initial: str
    dob: date | None


@dataclass(frozen=True, slots=True)
class AddressKey:
    uprn: str | None
    building: int | None
    street: str | None  # folded full street name
    postcode: str | None  # canonical


@dataclass(slots=True)
class Search:
    at: datetime  # UTC, naive
    system: str
    subject_type: str
    staff_no: str
    subject: object  # PersonKey | AddressKey | str (E.164)
    ref: str  # source and id, for the answer key


def subject_matches(subject_type: str, wanted, found) -> bool:
    if subject_type == "PERSON":
        if wanted.surname != found.surname or wanted.initial != found.initial:
            return False
        return wanted.dob is None or found.dob is None or wanted.dob == found.dob
    if subject_type == "ADDRESS":
        if wanted.uprn and found.uprn:
            return wanted.uprn == found.uprn
        if wanted.building is None or found.building is None:
            return False
        if (wanted.building, wanted.street) != (found.building, found.street):
            return False
        return (
            wanted.postcode is None or found.postcode is None or (wanted.postcode == found.postcode)
        )
    return wanted == found


class Oracle:
    """Holds the searches of the last few days and decides each claim's status."""

    def __init__(self) -> None:
        self._by_system_type: dict[tuple[str, str], list[Search]] = defaultdict(list)
        self._by_user: dict[tuple[str, str, str], list[Search]] = defaultdict(list)

    def add(self, search: Search, *, subject_relevant: bool = True) -> None:
        key = (search.system, search.subject_type)
        if subject_relevant:
            self._by_system_type[key].append(search)
        self._by_user[(search.system, search.subject_type, search.staff_no)].append(search)

    def forget_before(self, moment: datetime) -> None:
        for index in (self._by_system_type, self._by_user):
            for key in list(index):
                kept = [s for s in index[key] if s.at >= moment]
                if kept:
                    index[key] = kept
                else:
                    del index[key]

    def status(
        self,
        system: str,
        subject_type: str,
        subject,
        claimant: str,
        created: datetime,
        claimed_at: datetime,
    ) -> tuple[str, str]:
        if subject is None:
            return "NO_SUBJECT", ""
        if (system, subject_type) not in SEARCHABLE:
            return "NOT_SEARCHABLE", ""
        start, end = created - WINDOW_BEFORE, claimed_at + WINDOW_GRACE
        candidates = [
            s
            for s in self._by_system_type.get((system, subject_type), ())
            if start - BAND <= s.at <= end + BAND
            and subject_matches(subject_type, subject, s.subject)
        ]
        inside = sorted((s for s in candidates if start <= s.at <= end), key=lambda s: s.at)
        for search in inside:
            if search.staff_no == claimant:
                return "VERIFIED", search.ref
        if inside:
            return "VERIFIED_BY_COLLEAGUE", inside[0].ref
        if candidates:
            nearest = min(candidates, key=lambda s: min(abs(s.at - start), abs(s.at - end)))
            return "OUTSIDE_WINDOW", nearest.ref
        own = [
            s
            for s in self._by_user.get((system, subject_type, claimant), ())
            if start <= s.at <= end
        ]
        if own:
            return "WRONG_SUBJECT", min(own, key=lambda s: s.at).ref
        return "NO_AUDIT", ""
