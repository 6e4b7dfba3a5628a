"""Reading intelligence-check claims out of C&C log text (shared/spec/claims.md).

The vocabulary is configuration (config/claims_vocabulary.yml); this module is the grammar:

1. Rewrite known misspellings, and words one letter away from a system or check word; then split
   the entry into clauses at sentence ends, semicolons, and commas or dashes that start a new
   system ("CAD HIST - NIL, NICHE ON CALLER - NIL").
2. Results are read first and taken out of the clause, so a word that is both a result and a
   system alias is read by its place: the HISTORY of "NICHE ON CALLER - HISTORY OF DOMESTICS"
   is Niche's result, not the C&C history, but the PREVS of "PREVS AT ADDRESS: 4", with no other
   system or check word, is both.
3. Statements that are not claims are read per part of a clause, with their scope: a part that
   negates, defers, hands over or says a system could not be used takes its systems and
   subjects out of the clause; the rest claims only what it says was done.
4. Systems then subjects are read from what is left. No system but a check word means the
   standard check set; no subject means every subject the system can search.

Every claim keeps the words it was read from (`NICH~NICHE | CALLER | NTR`) and what it rested
on that a reviewer may doubt (a guessed spelling, the default check set).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from dacall.settings import UserError, load_yaml

SUBJECT_TYPES = ("PERSON", "ADDRESS", "TELEPHONE")
SEARCHABLE = {
    "PNC": ("PERSON",),
    "PND": SUBJECT_TYPES,
    "RMS": SUBJECT_TYPES,
    "CAD": SUBJECT_TYPES,
}
STANDARD_SET = "standard check set"
FUZZY = "guessed spelling"
_SPLIT = re.compile(r"[.;]\s+|[.;]$|\n+")
_WORD = re.compile(r"[A-Z]+")


@dataclass(frozen=True, order=True)
class Claim:
    system: str
    subject_type: str
    result: str
    # Why the claim was read, and what a reviewer may doubt: not part of the claim's identity.
    evidence: str = field(default="", compare=False)
    doubts: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return f"{self.system}:{self.subject_type}:{self.result}"


def _alternation(phrases) -> str:
    ordered = sorted({p.upper() for p in phrases}, key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered)


def _phrase_pattern(phrases) -> re.Pattern:
    """Whole-word alternation, longest phrase first."""
    return re.compile(rf"(?<![A-Z0-9'&])(?:{_alternation(phrases)})(?![A-Z0-9'&])")


def _words(phrase: str) -> str:
    return re.sub(r"\s+", " ", phrase)


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
    not_intel: re.Pattern
    not_done: re.Pattern
    reference: re.Pattern
    conditional: re.Pattern
    part_separators: re.Pattern
    no_trace: re.Pattern
    trace: re.Pattern
    count_before: re.Pattern
    count_after: re.Pattern
    corrections: re.Pattern
    correction_of: dict[str, str]
    new_system_after_comma: re.Pattern
    known_words: frozenset[str]
    fuzzy_targets: tuple[str, ...]
    never_correct: frozenset[str]
    subject_slot: re.Pattern
    weak_aliases: frozenset[str]
    possessed_history: re.Pattern
    time_clauses: frozenset[str]
    check_ends: frozenset[str]
    not_subject_words: frozenset[str]

    @classmethod
    def from_config(cls, config: dict) -> Vocabulary:
        try:
            return cls._build(config)
        except (KeyError, TypeError, AttributeError) as exc:
            raise UserError(f"claims vocabulary is malformed: missing or wrong {exc}") from exc

    @classmethod
    def _build(cls, config: dict) -> Vocabulary:
        system_of = {
            _words(alias.upper()): system
            for system, aliases in config["systems"].items()
            for alias in aliases
        }
        subject_of = {
            _words(alias.upper()): subject
            for subject, aliases in config["subjects"].items()
            for alias in aliases
        }
        unknown = set(config["standard_check_set"]) - set(SEARCHABLE)
        if unknown:
            raise UserError(
                f"claims vocabulary: unknown system in standard_check_set: {sorted(unknown)[0]}"
            )
        corrections = {k.upper(): v.upper() for k, v in config["corrections"].items()}
        systems = _phrase_pattern(system_of)
        nd = config["not_done"]
        nouns = _alternation(config["history_nouns"])
        qualifiers = rf"(?:(?:{_alternation(config['history_qualifiers'])})\s+){{0,3}}"
        denied = (
            rf"(?:{_alternation(config['denials'])})\s+{qualifiers}(?:{nouns})"
            rf"|\b0\s*{qualifiers}(?:{nouns})"
        )
        plural = rf"(?:{_alternation(config['plural_words'])})\s+{qualifiers}(?:{nouns})"
        negators, negated_words = _alternation(nd["negators"]), _alternation(nd["negated"])
        negated = rf"(?:{negators})\s+(?:[A-Z']+\s+)?(?:{negated_words})"
        not_done = "|".join(
            [
                negated,
                _alternation(nd["impossible"]),
                _alternation(nd["deferred"]),
                _alternation(nd["handed_over"]),
                _alternation(nd["record_keeping"]),
                # "UPON CHECKING NICHE - NTR" is a check done; "CHECKING NICHE NOW" is not yet.
                rf"(?<!ON )(?<!UPON )(?<!AFTER )(?<!WHEN )(?:{_alternation(nd['in_progress'])})",
            ]
        )
        checked = _alternation([*config["check_words"], *config["done_words"]])
        conditional = rf"{_alternation(nd['conditional'])}|TO\s+(?:{_alternation(nd['to_verbs'])})"
        separators = sorted(config["part_separators"], key=len, reverse=True)
        phrase_lists = [
            system_of,
            subject_of,
            config["check_words"],
            config["done_words"],
            config["results"]["NO_TRACE"],
            config["results"]["TRACE"],
            config["history_nouns"],
            config["fuzzy_targets"],
            corrections.values(),
        ]
        known = frozenset(w for phrases in phrase_lists for p in phrases for w in p.upper().split())
        # A reporting verb after at most three words that name no system: "CALLER STATES",
        # "IP SAYS", "CALLER'S MUM HAS TOLD".
        reporter = rf"(?:(?!(?:{_alternation(system_of)})(?![A-Z0-9'&]))[A-Z0-9'&/]+\s+)"
        narrative = rf"{reporter}{{0,3}}(?:{_alternation(config['narrative_openings'])})"
        # The object of a check: a preposition just after a system, check or done word.
        check_ends = frozenset(
            p.upper().split()[-1]
            for phrases in (system_of, config["check_words"], config["done_words"])
            for p in phrases
        )
        bounded = r"(?<![A-Z0-9'&])(?:{})(?![A-Z0-9'&])"
        return cls(
            standard_set=tuple(config["standard_check_set"]),
            system_of=system_of,
            system_subject={_words(k.upper()): v for k, v in config["system_subjects"].items()},
            subject_of=subject_of,
            systems=systems,
            subjects=_phrase_pattern(subject_of),
            check_words=_phrase_pattern(config["check_words"]),
            done_words=_phrase_pattern(config["done_words"]),
            narrative=re.compile(rf"{narrative}(?![A-Z0-9'&])"),
            not_intel=_phrase_pattern(config["not_intel_checks"]),
            not_done=re.compile(bounded.format(not_done)),
            # A system and a record's number is a reference, not a check: "NICHE 45/1234/26",
            # "STORM LOG NO 456", "PNC NUMBER OF SUSPECT" (not "NICHE 3 PREVS", nor a time,
            # "PNC 1430"; and "PND NUMBER CHECK" checks the number).
            reference=re.compile(
                rf"(?<![A-Z0-9'&])(?:{_alternation(system_of)})\s+(?:(?:LOG|REF|NO|NUMBER|OCC|"
                rf"INCIDENT)\s+(?:NO\s+)?\d{{3,}}|\d+/\d+|\d{{5,}}|(?:NUMBER|REF|REFERENCE|ID)"
                rf"(?![A-Z0-9'&])(?!\s+(?:{checked})(?![A-Z0-9'&])))"
            ),
            conditional=re.compile(bounded.format(conditional)),
            part_separators=re.compile("|".join(re.escape(s.upper()) for s in separators)),
            no_trace=re.compile(
                bounded.format(f"{denied}|{_alternation(config['results']['NO_TRACE'])}")
            ),
            trace=re.compile(
                bounded.format(f"{plural}|{_alternation(config['results']['TRACE'])}")
            ),
            count_before=re.compile(
                rf"\b(?:X\s*)?[1-9]\d*\s*(?:X\s*)?{qualifiers}(?:{nouns})\b|\bX\s?[1-9]\d*\b"
                rf"|(?<![A-Z0-9'&])(?:{_alternation(config['number_words'])})\s+{qualifiers}"
                rf"(?:{nouns})\b"
            ),
            count_after=re.compile(
                rf"(?<![A-Z0-9'&])(?P<noun>{nouns})(?:\s+(?:AT|ON|FOR|TO|IN)\s+(?:THE\s+)?[A-Z']+)?"
                rf"\s*[:=-]?\s*(?P<count>(?:X\s*)?\d{{1,3}})(?![\d/:.])"
            ),
            corrections=_phrase_pattern(corrections),
            correction_of=corrections,
            new_system_after_comma=re.compile(rf"\s*,\s*(?=(?:{_alternation(system_of)}))"),
            known_words=known | frozenset(w.upper() for w in config["never_correct"]),
            fuzzy_targets=tuple(t.upper() for t in config["fuzzy_targets"]),
            never_correct=frozenset(w.upper() for w in config["never_correct"]),
            subject_slot=re.compile(
                r"(?<![A-Z0-9'&])(?P<before>[A-Z&]+)\s+(?:ON|FOR|RE|AGAINST)\s+"
                r"(?:(?:THE|HIS|HER|THEIR|BOTH|ALL|EACH|ANY)\s+)?(?P<word>[A-Z][A-Z']*)(?![A-Z0-9'&])"
            ),
            check_ends=check_ends,
            weak_aliases=frozenset(_words(a.upper()) for a in config["weak_system_aliases"]),
            possessed_history=re.compile(
                rf"(?<![A-Z0-9'&])(?:{_alternation(config['possession_words'])})\s+(?:A\s+)?$"
            ),
            time_clauses=frozenset(w.upper() for w in nd["time_clauses"]),
            not_subject_words=frozenset(w.upper() for w in config["not_subject_words"]),
        )

    def guess(self, word: str) -> str | None:
        """The one fuzzy target a word unknown to the vocabulary is a slip of, if any."""
        if word in self.known_words or len(word) < 3:
            return None
        return _guess(word, self.fuzzy_targets)


@lru_cache(maxsize=65_536)
def _guess(word: str, targets: tuple[str, ...]) -> str | None:
    found = {t for t in targets if _one_slip(word, t)}
    return found.pop() if len(found) == 1 else None


def _one_slip(word: str, target: str) -> bool:
    """One letter dropped, added or changed, or two neighbours swapped; a word of four letters
    or fewer only by a swap (PDN, STROM), so that short real words stay themselves."""
    if word == target or abs(len(word) - len(target)) > 1:
        return False
    if len(word) == len(target):
        diffs = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        swapped = (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and word[diffs[0]] == target[diffs[1]]
            and word[diffs[1]] == target[diffs[0]]
        )
        return swapped or (len(diffs) == 1 and len(target) >= 5)
    if min(len(word), len(target)) < 5:
        return False
    short, long_ = sorted((word, target), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return Vocabulary.from_config(load_yaml("claims_vocabulary.yml"))


@dataclass
class _Entry:
    """An entry's text after spelling is put right, and what was put right."""

    text: str
    spelled: dict[str, str]  # corrected word -> as written
    guessed: set[str]  # corrected words that were guesses


def _normalise(text: str, vocab: Vocabulary) -> _Entry:
    upper = text.upper().replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    spelled: dict[str, str] = {}
    guessed: set[str] = set()

    def correct(match: re.Match) -> str:
        corrected = vocab.correction_of[_words(match[0])]
        spelled[corrected] = match[0]
        return corrected

    def guess(match: re.Match) -> str:
        target = vocab.guess(match[0])
        if target is None:
            return match[0]
        spelled[target] = match[0]
        guessed.add(target)
        return target

    upper = vocab.corrections.sub(correct, upper)
    upper = _WORD.sub(guess, upper)
    # "PNC/PND" is a list; "I/P" one word.
    upper = re.sub(r"(?<=[A-Z]{2})/(?=[A-Z]{2})", " / ", upper)
    return _Entry(upper, spelled, guessed)


def _clauses(text: str, vocab: Vocabulary) -> list[str]:
    clauses: list[str] = []
    for sentence in _SPLIT.split(text):
        if clauses and _continues(clauses[-1], sentence, vocab):
            # "CHECKED THE ADDRESS ON STORM. THERE ARE 2 PREVIOUS DOMESTIC INCIDENTS THERE."
            clauses[-1] = f"{clauses[-1]} - {sentence}"
            continue
        parts = [
            piece
            for p in vocab.new_system_after_comma.split(sentence)
            for piece in _split_claim_pairs(p, vocab)
            if piece.strip()
        ]
        pending = ""
        for i, part in enumerate(parts):
            pending = f"{pending}, {part}" if pending else part
            # "PND, PNC AND NICHE ON IP - NTR", "CHECKED PNC, PND ... - NTR": a part with
            # neither a subject nor a result continues into the next; so does a result written
            # before a list that names its subject after ("NIL TRACE PNC, PND ON IP").
            if not _is_complete(part, vocab) or (
                i + 1 < len(parts) and _result_before_list(part, parts[i + 1], vocab)
            ):
                continue
            clauses.append(pending)
            pending = ""
        if pending:
            clauses.append(pending)
    return [c.strip() for c in clauses if c.strip()]


def _result_before_list(part: str, following: str, vocab: Vocabulary) -> bool:
    results = (vocab.no_trace, vocab.trace, vocab.count_before)
    first_result = min((m.start() for p in results for m in p.finditer(part)), default=None)
    first_system = vocab.systems.search(part)
    return (
        first_result is not None
        and first_system is not None
        and first_result < first_system.start()
        and not vocab.subjects.search(part)
        and bool(vocab.systems.search(following) and vocab.subjects.search(following))
        and not any(p.search(following) for p in (*results, vocab.count_after))
    )


def _split_claim_pairs(text: str, vocab: Vocabulary) -> list[str]:
    """Cut at commas between pieces that each name a system and give a result, whatever their
    order: "NOTHING ON PNC, 2 X PREV ON NICHE" is two claims with two results."""
    pieces = re.split(r"\s*,\s*", text)
    if len(pieces) < 2:
        return [text]

    results = (vocab.no_trace, vocab.trace, vocab.count_before, vocab.count_after)

    def whole(piece: str) -> bool:
        # A system named apart from the result: the PREVS of "3 PREVS" is the result.
        rest = piece
        for pattern in results:
            for match in pattern.finditer(rest):
                rest = _blank(rest, *match.span())
        return rest != piece and bool(vocab.systems.search(rest))

    out = [pieces[0]]
    for piece in pieces[1:]:
        if whole(out[-1]) and whole(piece):
            out.append(piece)
        else:
            out[-1] = f"{out[-1]}, {piece}"
    return out


def _continues(previous: str, sentence: str, vocab: Vocabulary) -> bool:
    """A sentence giving only a result, after one naming a check without a result."""
    has_result = (vocab.no_trace, vocab.trace, vocab.count_before, vocab.count_after)
    return (
        any(p.search(sentence) for p in has_result)
        and not vocab.systems.search(sentence)
        and not vocab.check_words.search(sentence)
        and bool(vocab.systems.search(previous) or vocab.check_words.search(previous))
        and not any(p.search(previous) for p in has_result)
        and not vocab.narrative.match(sentence.lstrip(" -:"))
    )


def _is_complete(part: str, vocab: Vocabulary) -> bool:
    return any(
        pattern.search(part)
        for pattern in (
            vocab.subjects,
            vocab.no_trace,
            vocab.trace,
            vocab.count_before,
            vocab.count_after,
            vocab.not_done,
            vocab.conditional,
        )
    )


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def parse(text: str | None, vocab: Vocabulary | None = None) -> list[Claim]:
    """Every (system, subject type, result) a log entry says was checked, in a stable order."""
    if not text:
        return []
    vocab = vocab or vocabulary()
    entry = _normalise(text, vocab)
    negated: set[str] = set()
    read: list[tuple[Claim, bool]] = []  # each claim, and whether its clause listed systems
    for clause in _clauses(entry.text, vocab):
        listed = len({vocab.system_of[_words(m[0])] for m in vocab.systems.finditer(clause)}) > 1
        read += [(claim, listed) for claim in _read_clause(clause, vocab, entry, negated)]
    # A system said elsewhere in the entry not to be done is not claimed by sharing a list
    # ("PNC, PND AND NICHE ON IP - PNC NTR, PND NTR, NICHE NOT AVAILABLE").
    kept = [claim for claim, listed in read if not (listed and claim.system in negated)]
    # A system named with its subjects in one place and without in another ("... PND ON IP
    # ... PND NTR") was checked on those subjects: the bare mention adds none, but may give
    # the result.
    named = {(c.system, c.subject_type) for c in kept if _subject_named(c)}
    named_systems = {system for system, _ in named}
    result_of = {
        (c.system, c.subject_type): c.result
        for c in reversed(kept)
        if not _subject_named(c) and c.result != "UNSTATED"
    }
    # One claim per system and subject: an entry naming the same check twice claims it once,
    # with the first result written.
    claims: dict[tuple[str, str], Claim] = {}
    for claim in kept:
        key = (claim.system, claim.subject_type)
        if claim.system in named_systems and key not in named:
            continue
        if _subject_named(claim) and claim.result == "UNSTATED" and key in result_of:
            claim = replace(claim, result=result_of[key])
        claims.setdefault(key, claim)
    return sorted(claims.values(), key=_claim_order)


def _subject_named(claim: Claim) -> bool:
    return claim.evidence.split(" | ")[1] != "-"


def _claim_order(claim: Claim) -> tuple[int, int]:
    return (list(SEARCHABLE).index(claim.system), SUBJECT_TYPES.index(claim.subject_type))


NOT_DONE = "read as not done"
REPORTED = "reported speech"
NO_CLAIM = "check word but no claim read"
UNKNOWN_SUBJECT = "subject word not understood"


def unclaimed_reason(text: str | None, vocab: Vocabulary | None = None) -> tuple[str, str] | None:
    """Why an entry that names a system or a check word claims nothing, with the words that
    decided it; None when it claims something or names no check at all. For review: these are
    the entries a data team labels to extend the vocabulary."""
    return read_entry(text, vocab)[1]


def read_entry(
    text: str | None, vocab: Vocabulary | None = None
) -> tuple[list[Claim], tuple[str, str] | None]:
    """An entry read once: its claims, and when it has none but names a system or a check word,
    why not (see unclaimed_reason). The log is read through here, so each entry is parsed once."""
    if not text:
        return [], None
    vocab = vocab or vocabulary()
    claims = parse(text, vocab)
    if claims:
        return claims, None
    return [], _unclaimed(text, vocab)


def _unclaimed(text: str, vocab: Vocabulary) -> tuple[str, str] | None:
    upper = _normalise(text, vocab).text
    mention = vocab.systems.search(upper) or vocab.check_words.search(upper)
    if mention is None:
        return None
    for clause in _clauses(upper, vocab):
        if vocab.narrative.match(clause.lstrip(" -:")):
            return REPORTED, _words(vocab.narrative.match(clause.lstrip(" -:"))[0])
    marker = (
        vocab.not_done.search(upper)
        or vocab.reference.search(upper)
        or vocab.conditional.search(upper)
    )
    if marker is not None:
        return NOT_DONE, _words(marker[0])
    unknown = unknown_subject(upper, vocab)
    if unknown is not None:
        return UNKNOWN_SUBJECT, unknown
    return NO_CLAIM, _words(mention[0])


def _is_not_done(part: str, vocab: Vocabulary) -> bool:
    # "NO TRACE" and "CALLER'S NO" are not negations.
    results_blanked = part
    for pattern in (vocab.no_trace, vocab.subjects):
        for match in pattern.finditer(results_blanked):
            results_blanked = _blank(results_blanked, *match.span())
        if pattern is vocab.no_trace and vocab.reference.search(results_blanked):
            return True
    if vocab.not_done.search(results_blanked):
        return True
    condition = vocab.conditional.search(results_blanked)
    if condition is None:
        return False
    said_done = (vocab.done_words, vocab.no_trace, vocab.trace, vocab.count_before)
    # "PNC CHECKED TO SEE IF WANTED - NTR": the purpose of a check already done.
    if any(p.search(part[: condition.start()]) for p in said_done):
        return False
    # "AFTER SPEAKING TO THE CALLER I CHECKED PNC - NTR": when it was done.
    after = part[condition.end() :]
    return not (
        _words(condition[0]) in vocab.time_clauses
        and not vocab.conditional.search(after)
        and any(p.search(after) for p in said_done)
    )


def _parts(clause: str, vocab: Vocabulary) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in vocab.part_separators.finditer(clause):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(clause)))
    return [(a, b) for a, b in spans if clause[a:b].strip()]


def _is_bare_list(text: str, vocab: Vocabulary) -> bool:
    """Only system names ("PNC", "PND / NICHE"): the part shares the next part's fate."""
    rest = vocab.systems.sub(" ", text)
    return bool(vocab.systems.search(text)) and not re.search(r"[A-Z0-9]", rest)


def _read_clause(
    clause: str, vocab: Vocabulary, entry: _Entry, negated: set[str] | None = None
) -> list[Claim]:
    """The clause's claims; the systems it says were not done are added to `negated`."""
    if not vocab.systems.search(clause) and not vocab.check_words.search(clause):
        return []  # most of a log: nothing about checks
    if vocab.narrative.match(clause.lstrip(" -:")):
        return []
    spans = _parts(clause, vocab)
    flags = [_is_not_done(clause[a:b], vocab) for a, b in spans]
    if not any(flags):
        return _read_done(clause, vocab, entry, must_say_done=False)
    # A bare list of systems just before a part that was not done shares it: "PNC AND PND NOT
    # CHECKED".
    for i in range(len(spans) - 2, -1, -1):
        if not flags[i] and flags[i + 1] and _is_bare_list(clause[slice(*spans[i])], vocab):
            flags[i] = True
    rest = clause
    for (a, b), not_done in zip(spans, flags, strict=True):
        if not_done:
            rest = _blank(rest, a, b)
            if negated is not None:
                negated |= {
                    vocab.system_of[_words(m[0])] for m in vocab.systems.finditer(clause[a:b])
                }
    says_done = any(
        p.search(rest)
        for p in (
            vocab.done_words,
            vocab.no_trace,
            vocab.trace,
            vocab.count_before,
            vocab.count_after,
        )
    )
    voids_all = any(
        not_done and not vocab.systems.search(clause[a:b])
        for (a, b), not_done in zip(spans, flags, strict=True)
    )
    if voids_all and not says_done:
        return []
    return _read_done(rest, vocab, entry, must_say_done=True)


def _read_done(
    clause: str, vocab: Vocabulary, entry: _Entry, *, must_say_done: bool
) -> list[Claim]:
    rest, result, result_words, trace_at = _read_result(clause, vocab)
    if must_say_done and result == "UNSTATED" and not vocab.done_words.search(rest):
        return []
    # A trace is described to the end of its clause ("FLAGGED HIGH RISK DA VICTIM"): the
    # subjects are named before it, though the system may be named after it.
    subject_text = rest[:trace_at] if trace_at is not None else rest
    systems: dict[str, str] = {}
    implied: dict[str, str] = {}
    for match in vocab.systems.finditer(rest):
        alias = _words(match[0])
        systems.setdefault(vocab.system_of[alias], alias)
        if alias in vocab.system_subject:
            implied.setdefault(vocab.system_subject[alias], alias)
        if match.start() < len(subject_text):
            subject_text = _blank(subject_text, match.start(), min(match.end(), len(subject_text)))
    doubts: list[str] = []
    if not systems:
        check = _intel_check(rest, vocab)
        if check is None:
            return []
        systems = {system: f"{_words(check[0])} [standard set]" for system in vocab.standard_set}
        doubts.append(STANDARD_SET)
    subjects = _read_subjects(subject_text, vocab)
    if not subjects and trace_at is not None:
        # "SEVERAL PREVIOUS DOMESTICS RECORDED FOR THE CALLER": a subject after the trace,
        # where a preposition names it as what the trace was found on.
        subjects = _read_subjects(
            " ".join(m[0] for m in _AFTER_PREPOSITION.finditer(rest[trace_at:])), vocab
        )
    for subject, alias in implied.items():
        subjects.setdefault(subject, alias)
    if not subjects and unknown_subject(clause, vocab):
        # A subject named that the vocabulary does not know ("PND ON SUSPECT"): not "no
        # subject named", so not every subject; listed for review instead.
        return []
    if not must_say_done and not (result_words or _says_checked(rest, vocab)):
        # A system named and nothing said of a check ("STORM 1234 CLOSED"), or an everyday word
        # for the C&C history with a subject ("PREVIOUS INCIDENTS DISCUSSED WITH CALLER").
        if not subjects or all(alias in vocab.weak_aliases for alias in systems.values()):
            return []
    doubts += [f"{FUZZY} {entry.spelled[a]}~{a}" for a in subjects.values() if a in entry.guessed]
    results_text = " + ".join(_shown(w, entry) for w in result_words) or "-"
    claims = []
    for system, alias in systems.items():
        guessed = [w for w in alias.split() if w in entry.guessed]
        system_doubts = tuple(doubts) + tuple(f"{FUZZY} {entry.spelled[w]}~{w}" for w in guessed)
        for subject in subjects or SEARCHABLE[system]:
            evidence = " | ".join(
                [_shown(alias, entry), _shown(subjects.get(subject, "-"), entry), results_text]
            )
            claims.append(Claim(system, subject, result, evidence, system_doubts))
    return claims


_LOOKED_FOR = re.compile(r"(?<![A-Z0-9'&])(?:FOR|FOR ANY|ANY)\s+$")
_PHONE_NUMBER = re.compile(r"(?<![\d/])(?:\+?44\s?|0)\d{3,4}\s?\d{3}\s?\d{3,4}(?![\d/])")
_AFTER_PREPOSITION = re.compile(
    r"(?<![A-Z0-9'&])(?:FOR|AT|AGAINST)\s+(?:(?:THE|HIS|HER|THEIR|THIS)\s+)?"
    r"[A-Z']+(?:\s+[A-Z']+)?"
)
# "HOME ADDRESS OF THE CALLER", "NUMBER OF THE IP": the person owns the subject checked.
_OWNER = re.compile(r"\s+(?:OF|PROVIDED\s+BY|GIVEN\s+BY|BELONGING\s+TO|USED\s+BY)\s+(?:THE\s+)?")


def _read_subjects(text: str, vocab: Vocabulary) -> dict[str, str]:
    subjects: dict[str, str] = {}
    previous = None
    for match in vocab.subjects.finditer(text):
        subject = vocab.subject_of[_words(match[0])]
        if (
            previous is not None
            and subject == "PERSON"
            and previous[0] != "PERSON"
            and _OWNER.fullmatch(text[previous[1] : match.start()])
        ):
            continue
        subjects.setdefault(subject, _words(match[0]))
        previous = (subject, match.end())
    if _PHONE_NUMBER.search(text):
        # "PND CHECKED ON 07700 900123": the number is not copied into the evidence.
        subjects.setdefault("TELEPHONE", "[phone number]")
    return subjects


def unknown_subject(text: str, vocab: Vocabulary) -> str | None:
    """The words naming a check's subject the vocabulary does not know ("PND ON SUSPECT"), if
    the text holds one: a word after ON, FOR, RE or AGAINST just after a system, check or done
    word that is no subject, nor a word the vocabulary knows, nor one of not_subject_words."""
    for match in vocab.subject_slot.finditer(text):
        word = match["word"]
        if match["before"] not in vocab.check_ends:
            continue
        if vocab.subjects.fullmatch(word) or vocab.systems.fullmatch(word):
            continue
        if word in vocab.known_words or word in vocab.not_subject_words:
            continue
        return _words(match[0])
    return None


def _says_checked(text: str, vocab: Vocabulary) -> bool:
    """A done word or a check word outside the systems' names ("LOCAL INTEL" is a system)."""
    rest = vocab.systems.sub(" ", text)
    return bool(vocab.done_words.search(rest) or vocab.check_words.search(rest))


def _intel_check(text: str, vocab: Vocabulary) -> re.Match | None:
    """A check word, in a part of the text that is not about a search of something other than
    an intelligence system ("WELFARE CHECK", "AREA SEARCH", "OFFICERS SEARCHED THE GARDEN")."""
    for a, b in _parts(text, vocab):
        part = text[a:b]
        check = vocab.check_words.search(part)
        if check is not None and not vocab.not_intel.search(part):
            return check
    return None


def _shown(words: str, entry: _Entry) -> str:
    """Words as read, with any respelling shown: NICH~NICHE."""
    return " ".join(f"{entry.spelled[w]}~{w}" if w in entry.spelled else w for w in words.split())


def _read_result(clause: str, vocab: Vocabulary) -> tuple[str, str, list[str], int | None]:
    """The clause with its result words taken out, the result, its words, and where a trace
    description starts."""
    found: list[tuple[int, int, str, str]] = []  # start, end, result, words
    taken = clause
    trace_at = None
    for pattern, result in (
        (vocab.no_trace, "NO_TRACE"),
        (vocab.count_before, "TRACE"),
        (vocab.trace, "TRACE"),
    ):
        for match in pattern.finditer(taken):
            found.append((match.start(), match.end(), result, _words(match[0])))
            if pattern is vocab.trace and (trace_at is None or match.start() < trace_at):
                trace_at = match.start()
            taken = _blank(taken, *match.span())
    # A count after its noun ("PREVS AT ADDRESS: 4", "HITS: 1"): the words between stay, as
    # they may name the subject.
    for match in vocab.count_after.finditer(taken):
        count = int(re.sub(r"\D", "", match["count"]) or 0)
        words = f"{match['noun']} {_words(match['count'])}"
        found.append((match.start(), match.end(), "TRACE" if count else "NO_TRACE", words))
        taken = _blank(_blank(taken, *match.span("noun")), *match.span("count"))
    found.sort()
    if any(kind == "NO_TRACE" for _, _, kind, _ in found):
        # "CHECKED FOR DV HISTORY - NONE": what was looked for is not what was found.
        found = [f for f in found if not (f[2] == "TRACE" and _LOOKED_FOR.search(clause[: f[0]]))]
    if not found:
        return clause, "UNSTATED", [], None
    # A history word in a result is the system too when nothing else in the clause names one
    # or a check: "PREVS AT ADDRESS: 4", "NO PREVS AT ADDRESS".
    if not vocab.systems.search(taken) and not vocab.check_words.search(taken):
        for match in vocab.systems.finditer(clause):
            if vocab.possessed_history.search(clause[: match.start()]):
                continue  # "VICTIM HAS HISTORY OF MENTAL HEALTH" describes the victim
            if any(start < match.end() and match.start() < end for start, end, *_ in found):
                taken = taken[: match.start()] + match[0] + taken[match.end() :]
    return taken, _decide(found), [words for *_, words in found], trace_at


def _decide(found: list[tuple[int, int, str, str]]) -> str:
    """No trace, unless a trace is written before the first no-trace ("2 PREVS, NIL ON TEL")."""
    kinds = [kind for _, _, kind, _ in found]
    if "NO_TRACE" not in kinds:
        return "TRACE"
    return "TRACE" if kinds[0] == "TRACE" else "NO_TRACE"


def format_claims(claims: list[Claim]) -> str:
    return ";".join(str(c) for c in claims)
