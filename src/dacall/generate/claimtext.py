"""Log-entry text that claims intelligence checks, written the many ways handlers write it.

Each phrase comes with the claims it makes under the rules of claims.md, so the answer key
knows exactly which (system, subject, result) each entry claims, including none.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from dacall.generate.draws import by_share

SYSTEM_WORDS = {
    "PNC": ["PNC"],
    "PND": ["PND"],
    "RMS": ["NICHE", "NICHE", "RMS", "LOCAL INTEL"],
    "CAD": ["CAD HIST", "STORM HIST", "PREVS", "CAD HISTORY", "PREVIOUS INCIDENTS"],
}
SUBJECT_WORDS = {
    "PERSON": ["NAME", "NOMINAL", "IP", "CALLER", "VICTIM", "INJURED PARTY"],
    "ADDRESS": ["ADDRESS", "ADDR", "LOC", "PREMISES", "LOCATION"],
    "TELEPHONE": ["TEL", "PHONE", "NUMBER", "MOBILE"],
}
RESULT_WORDS = {
    "NO_TRACE": [
        "NTR",
        "NTR",
        "NTR",
        "NO TRACE",
        "NO TRACE",
        "NIL TRACE",
        "NIL",
        "NIL",
        "NEGATIVE",
        "NO HISTORY",
        "NIL PREVS",
        "NOTHING FOUND",
    ],
    "TRACE": [
        "TRACE",
        "{n} PREVS",
        "{n} PREVS",
        "{n} PREV DOMESTICS",
        "DA MARKER",
        "FLAGGED HIGH RISK",
        "HISTORY OF DOMESTICS",
        "{n} PREVIOUS DOMESTICS, DA MARKER",
        "PREVS: {n}",
        "SEVERAL DOMESTICS LOGGED",
        "KNOWN TO POLICE",
        "REPEAT VICTIM",
    ],
    "UNSTATED": ["COMPLETED", "DONE", "COMPLETE", "CHECKED"],
}
SUBJECTS = ("PERSON", "ADDRESS", "TELEPHONE")


@dataclass(frozen=True)
class Claim:
    system: str
    subject_type: str
    result: str


@dataclass
class Entry:
    text: str
    claims: list[Claim]


def _join(words: list[str], rng: random.Random) -> str:
    if len(words) == 1:
        return words[0]
    if rng.random() < 0.5:
        return "/".join(words)
    return ", ".join(words[:-1]) + " AND " + words[-1]


def _result(result: str, rng: random.Random) -> str:
    return rng.choice(RESULT_WORDS[result]).format(n=rng.randint(1, 9))


def claim_entry(rng: random.Random, standard_set: list[str], result: str) -> Entry:
    """A log entry that claims checks: which systems, which subjects, in which words."""
    style = rng.random()
    res = _result(result, rng)
    if style < 0.18:
        # No system named: the force's standard check set, perhaps on named subjects.
        subjects = _some_subjects(rng, allow_all=True)
        claims = [Claim(s, t, result) for s in standard_set for t in subjects]
        if len(subjects) == 3 and rng.random() < 0.4:
            text = rng.choice(
                ["CHECKS DONE - {r}", "ALL CHECKS {r}", "INTEL CHECKS COMPLETE - {r}"]
            ).format(r=res)
            if result == "UNSTATED":
                text = rng.choice(["CHECKS DONE", "INTEL CHECKS COMPLETE", "ALL CHECKS DONE"])
        else:
            subj = _join([rng.choice(SUBJECT_WORDS[t]) for t in subjects], rng)
            text = f"INTEL CHECKS DONE ON {subj} - {res}"
        return Entry(text, claims)
    systems = _some_systems(rng)
    subjects = _some_subjects(rng, allow_all=False)
    sys_text = _join([rng.choice(SYSTEM_WORDS[s]) for s in systems], rng)
    subj_text = _join([rng.choice(SUBJECT_WORDS[t]) for t in subjects], rng)
    claims = [Claim(s, t, result) for s in systems for t in subjects]
    text = by_share(
        style,
        [
            (0.55, f"{sys_text} CHECKS ON {subj_text} - {res}"),
            (0.80, f"{sys_text} ON {subj_text} {res}"),
        ],
        f"{sys_text} {subj_text} CHECK - {res}",
    )
    return Entry(text, claims)


def _some_systems(rng: random.Random) -> list[str]:
    roll = rng.random()
    if roll < 0.55:
        return [rng.choice(["PNC", "PND", "RMS", "RMS", "CAD", "CAD"])]
    if roll < 0.9:
        return rng.sample(["PNC", "PND", "RMS", "CAD"], 2)
    return rng.sample(["PNC", "PND", "RMS", "CAD"], 3)


def _some_subjects(rng: random.Random, allow_all: bool) -> list[str]:
    roll = rng.random()
    if allow_all and roll < 0.5:
        return list(SUBJECTS)
    if roll < 0.65:
        return [rng.choice(SUBJECTS)]
    if roll < 0.9:
        picked = rng.sample(SUBJECTS, 2)
        return [t for t in SUBJECTS if t in picked]
    return list(SUBJECTS)


NOT_CLAIMS = [
    "UNABLE TO CHECK {sys} - SYSTEM DOWN",
    "DAY SHIFT TO COMPLETE INTEL CHECKS",
    "CHECKS TO FOLLOW ONCE UNIT ON SCENE",
    "{sys} UNAVAILABLE",
    "{sys} OFFLINE - CHECKS NOT POSSIBLE",
    "{sys} CHECKS PASSED TO RESEARCHER",
    "AWAITING {sys} RESULTS",
    "OIC TO CHECK {sys} ON ARRIVAL",
    "WILL CHECK {sys} WHEN TIME ALLOWS",
    "{sys} CHECK TO BE DONE BY ATTENDING OFFICERS",
    "CHECKS TBC",
    "FOR OIC TO CHECK {sys} ON SUSPECT",
    "REQUEST CHECKS ON {subj} PLEASE",
    "NO CHECKS DONE AS CALLER REFUSED DETAILS",
    "{sys} CHECKS PENDING",
    "{sys} NOT CHECKED - NO ACCESS",
]


def non_claim_entry(rng: random.Random) -> Entry:
    """A negated, deferred or requested check: it claims nothing."""
    text = rng.choice(NOT_CLAIMS).format(
        sys=rng.choice(SYSTEM_WORDS[rng.choice(["PNC", "PND", "RMS"])]),
        subj=rng.choice(SUBJECT_WORDS[rng.choice(SUBJECTS)]),
    )
    return Entry(text, [])


def mixed_entry(rng: random.Random, result: str) -> Entry:
    """One system done and one not, in one entry: only the done one is claimed."""
    done, not_done = rng.sample(["PNC", "PND", "RMS"], 2)
    subject = rng.choice(SUBJECTS if done != "PNC" else ("PERSON",))
    res = _result(result, rng)
    first = f"{rng.choice(SYSTEM_WORDS[done])} ON {rng.choice(SUBJECT_WORDS[subject])} {res}"
    second = rng.choice(
        [
            "{s} NOT CHECKED - NO ACCESS",
            "{s} PENDING",
            "UNABLE TO CHECK {s} - SYSTEM DOWN",
            "{s} UNAVAILABLE",
            "{s} TO FOLLOW",
            "{s} OFFLINE",
        ]
    ).format(s=rng.choice(SYSTEM_WORDS[not_done]))
    if rng.random() < 0.3:
        # The system that could not be used first, in the same sentence.
        return Entry(f"{second} - {first}", [Claim(done, subject, result)])
    return Entry(f"{first}. {second}", [Claim(done, subject, result)])


def lower_case_sometimes(entry: Entry, rng: random.Random) -> Entry:
    if rng.random() < 0.08:
        return Entry(entry.text.lower(), entry.claims)
    if rng.random() < 0.05:
        return Entry(entry.text.capitalize(), entry.claims)
    return entry
