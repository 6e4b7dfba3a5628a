"""Reading intelligence-check claims out of C&C log text (shared/spec/claims.md).

The vocabulary is configuration (config/claims_vocabulary.yml); this module is the grammar:

1. Rewrite known misspellings, then split the entry into clauses at sentence ends, semicolons,
   and commas or dashes that start a new system ("CAD HIST - NIL, NICHE ON CALLER - NIL").
2. A clause with a negation ("NOT CHECKED", "TBC", "FOR OIC TO CHECK") claims nothing.
3. Results are read first and taken out of the clause, so a word that is both a result and a
   system alias is read by its place: the HISTORY of "NICHE ON CALLER - HISTORY OF DOMESTICS"
   is Niche's result, not the C&C history.
4. Systems then subjects are read from what is left. No system but a check word means the
   standard check set; no subject means every subject the system can search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from dacall.settings import UserError, load_yaml

SUBJECT_TYPES = ("PERSON", "ADDRESS", "TELEPHONE")
SEARCHABLE = {
    "PNC": ("PERSON",),
    "PND": SUBJECT_TYPES,
    "RMS": SUBJECT_TYPES,
    "CAD": SUBJECT_TYPES,
}
_SPLIT = re.compile(r"[.;]\s+|[.;]$|\n+")


@dataclass(frozen=True, order=True)
class Claim:
    system: str
    subject_type: str
    result: str

    def __str__(self) -> str:
        return f"{self.system}:{self.subject_type}:{self.result}"


def _phrase_pattern(phrases) -> re.Pattern:
    """Whole-word alternation, longest phrase first."""
    ordered = sorted({p.upper() for p in phrases}, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered)
    return re.compile(rf"(?<![A-Z0-9'&]){'(?:' + body + ')'}(?![A-Z0-9'&])")


@dataclass(frozen=True)
class Vocabulary:
    standard_set: tuple[str, ...]
    system_of: dict[str, str]
    system_subject: dict[str, str]
    subject_of: dict[str, str]
    systems: re.Pattern
    subjects: re.Pattern
    check_words: re.Pattern
    done_words: re.Pattern
    narrative: re.Pattern
    negations: re.Pattern
    no_trace: re.Pattern
    trace: re.Pattern
    trace_count: re.Pattern
    corrections: re.Pattern
    correction_of: dict[str, str]
    new_system_after_comma: re.Pattern

    @classmethod
    def from_config(cls, config: dict) -> Vocabulary:
        try:
            system_of = {
                alias.upper(): system
                for system, aliases in config["systems"].items()
                for alias in aliases
            }
            subject_of = {
                alias.upper(): subject
                for subject, aliases in config["subjects"].items()
                for alias in aliases
            }
            unknown = set(config["standard_check_set"]) - set(SEARCHABLE)
            if unknown:
                raise UserError(
                    f"claims vocabulary: unknown system in standard_check_set: {sorted(unknown)[0]}"
                )
            counts = "|".join(re.escape(w) for w in config["trace_count_words"])
            corrections = {k.upper(): v.upper() for k, v in config["corrections"].items()}
            systems = _phrase_pattern(system_of)
            return cls(
                standard_set=tuple(config["standard_check_set"]),
                system_of=system_of,
                system_subject={k.upper(): v for k, v in config["system_subjects"].items()},
                subject_of=subject_of,
                systems=systems,
                subjects=_phrase_pattern(subject_of),
                check_words=_phrase_pattern(config["check_words"]),
                done_words=_phrase_pattern(config["done_words"]),
                narrative=_phrase_pattern(config["narrative_openings"]),
                negations=_phrase_pattern(config["negations"]),
                no_trace=_phrase_pattern(config["results"]["NO_TRACE"]),
                trace=_phrase_pattern(config["results"]["TRACE"]),
                trace_count=re.compile(
                    rf"\b(?:X\s*)?[1-9]\d*\s*(?:X\s*)?(?:{counts})\b|\bX\s?[1-9]\d*\b"
                ),
                corrections=_phrase_pattern(corrections),
                correction_of=corrections,
                new_system_after_comma=re.compile(
                    rf"\s*,\s*(?=(?:{systems.pattern[systems.pattern.index('(?:') :]}))"
                ),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise UserError(f"claims vocabulary is malformed: missing or wrong {exc}") from exc


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return Vocabulary.from_config(load_yaml("claims_vocabulary.yml"))


def _clauses(text: str, vocab: Vocabulary) -> list[str]:
    clauses = []
    for sentence in _SPLIT.split(text):
        parts = [p for p in vocab.new_system_after_comma.split(sentence) if p.strip()]
        pending = ""
        for part in parts:
            pending = f"{pending}, {part}" if pending else part
            # "PND, PNC AND NICHE ON IP - NTR", "CHECKED PNC, PND ... - NTR": a part with
            # neither a subject nor a result continues into the next.
            if not _is_complete(part, vocab):
                continue
            clauses.append(pending)
            pending = ""
        if pending:
            clauses.append(pending)
    return [c.strip() for c in clauses if c.strip()]


def _is_complete(part: str, vocab: Vocabulary) -> bool:
    return any(
        pattern.search(part)
        for pattern in (
            vocab.subjects,
            vocab.no_trace,
            vocab.trace,
            vocab.trace_count,
            vocab.negations,
        )
    )


def _blank(text: str, match: re.Match) -> str:
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]


def parse(text: str | None, vocab: Vocabulary | None = None) -> list[Claim]:
    """Every (system, subject type, result) a log entry says was checked, in a stable order."""
    if not text:
        return []
    vocab = vocab or vocabulary()
    upper = text.upper().replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    upper = vocab.corrections.sub(lambda m: vocab.correction_of[re.sub(r"\s+", " ", m[0])], upper)
    upper = re.sub(r"(?<=[A-Z])/(?=[A-Z])", " / ", upper)
    claims: set[Claim] = set()
    for clause in _clauses(upper, vocab):
        claims.update(_parse_clause(clause, vocab))
    return sorted(claims, key=_claim_order)


def _claim_order(claim: Claim) -> tuple[int, int]:
    return (list(SEARCHABLE).index(claim.system), SUBJECT_TYPES.index(claim.subject_type))


_PART_SEPARATORS = re.compile(r"\s+-\s+|\s+BUT\s+|\s+AND\s+|\s+HOWEVER\s+|,\s*")


def _parse_clause(clause: str, vocab: Vocabulary, *, part_of_negated: bool = False) -> list[Claim]:
    if vocab.narrative.match(clause.lstrip(" -:")):
        return []
    if vocab.negations.search(clause):
        if part_of_negated or len(set(vocab.systems.findall(clause))) < 2:
            return []
        # "PNC ON IP NTR BUT PND NOT DONE": one system done, another not; only the done one
        # is claimed. Each part stands alone and must say it was done.
        claims = []
        for part in _PART_SEPARATORS.split(clause):
            claims.extend(_parse_clause(part, vocab, part_of_negated=True))
        return claims
    rest = clause
    result = "UNSTATED"
    for match in vocab.no_trace.finditer(clause):
        result = "NO_TRACE"
        rest = _blank(rest, match)
    trace_words = [m for m in vocab.trace.finditer(rest)]
    trace_counts = [m for m in vocab.trace_count.finditer(rest)]
    if trace_words or trace_counts:
        first = min(m.start() for m in trace_words + trace_counts)
        if result == "UNSTATED" or first < _first_no_trace(clause, vocab):
            result = "TRACE"
    for match in trace_counts + trace_words:
        rest = _blank(rest, match)
    if part_of_negated and result == "UNSTATED" and not vocab.done_words.search(rest):
        return []
    # A trace is described to the end of its clause ("FLAGGED HIGH RISK DA VICTIM"): the
    # subjects are named before it, though the system may be named after it.
    subject_text = rest[: trace_words[0].start()] if trace_words else rest
    systems: list[str] = []
    implied_subjects: list[str] = []
    for match in vocab.systems.finditer(rest):
        alias = re.sub(r"\s+", " ", match[0])
        systems.append(vocab.system_of[alias])
        if alias in vocab.system_subject:
            implied_subjects.append(vocab.system_subject[alias])
        subject_text = (
            _blank(subject_text, match)
            if match.end() <= len(subject_text)
            else (
                subject_text[: match.start()] if match.start() < len(subject_text) else subject_text
            )
        )
    if not systems:
        if not vocab.check_words.search(rest):
            return []
        systems = list(vocab.standard_set)
    subjects = [
        vocab.subject_of[re.sub(r"\s+", " ", m[0])] for m in vocab.subjects.finditer(subject_text)
    ]
    subjects += implied_subjects
    claims = []
    for system in dict.fromkeys(systems):
        for subject in subjects and dict.fromkeys(subjects) or SEARCHABLE[system]:
            claims.append(Claim(system, subject, result))
    return claims


def _first_no_trace(clause: str, vocab: Vocabulary) -> int:
    match = vocab.no_trace.search(clause)
    return match.start() if match else len(clause)


def format_claims(claims: list[Claim]) -> str:
    return ";".join(str(c) for c in claims)
