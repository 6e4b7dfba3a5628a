"""Names, addresses and telephone numbers reduced to the keys claims.md compares.

One implementation, used by the dbt models (registered as DuckDB functions by
dacall.dbt_plugin) and by the linkage, so that a search and a subject are always normalised
alike. Street-type abbreviations live in config/address.yml.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers

from dacall.settings import load_yaml

_DOB_DMY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_DOB_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b")
_LETTERS = re.compile(r"[A-Z]+")
_NOT_A_TO_Z = re.compile(r"[^A-Z]+")


def fold_letters(text: str | None) -> str:
    """Upper case, accents folded, everything but letters dropped: BRONTË = BRONTE, O'BRIEN =
    OBRIEN, SMITH-JONES = SMITHJONES."""
    if not text:
        return ""
    upper = text.upper()
    # NFKD leaves ASCII as it is; one regular expression keeps the letters A-Z far faster than
    # testing each character in Python.
    decomposed = upper if upper.isascii() else unicodedata.normalize("NFKD", upper)
    return _NOT_A_TO_Z.sub("", decomposed)


def _strip_dob(text: str) -> str:
    return _DOB_ISO.sub(" ", _DOB_DMY.sub(" ", text))


@lru_cache(maxsize=262_144)
def split_name(text: str | None) -> tuple[str, str] | None:
    """(surname, forenames) from `SURNAME, Forename Middle`, `Forename SURNAME` or
    `FORENAME SURNAME`; None when there is no name."""
    if not text or not text.strip():
        return None
    text = _strip_dob(text).replace("’", "'").strip()
    if "," in text:
        surname, _, forenames = text.partition(",")
        return surname.strip(), forenames.strip()
    words = text.split()
    if not words:  # nothing but a date of birth
        return None
    if len(words) == 1:
        return words[0], ""
    has_lower = any(c.islower() for c in text)
    if has_lower:
        # The C&C writes `Forename SURNAME`: the surname is the run of upper-case words at
        # the end.
        tail = []
        for word in reversed(words[1:]):
            if any(c.isalpha() for c in word) and word == word.upper():
                tail.insert(0, word)
            else:
                break
        if tail:
            return " ".join(tail), " ".join(words[: len(words) - len(tail)])
    return " ".join(words[1:]), words[0]


def surname_key(text: str | None) -> str | None:
    parts = split_name(text)
    key = fold_letters(parts[0]) if parts else ""
    return key or None


def forename_initial(text: str | None) -> str | None:
    parts = split_name(text)
    if not parts:
        return None
    key = fold_letters(parts[1].split()[0]) if parts[1].split() else ""
    return key[:1] or None


def first_forename_key(text: str | None) -> str | None:
    parts = split_name(text)
    if not parts or not parts[1].split():
        return None
    return fold_letters(parts[1].split()[0]) or None


_MAX_NAME_WORDS = 6


@lru_cache(maxsize=262_144)
def name_readings(text: str | None) -> str | None:
    """Every way a typed name can be read as `SURNAMEKEY:INITIAL`, joined by `|` (claims.md:
    name order must not matter).

    A comma marks the surname (`PATEL, Anita`): one reading. Without one, the surname may come
    first or last and may be several words (`JAN VAN DER BERG`, `VAN DER BERG JAN`, `ANITA MARIE
    PATEL`), so every split is a reading: the first word as forename and any run of the words
    after it to the end as surname, or any run of words from the start as surname and the word
    after it as forename. A single letter is an initial, never a whole surname (`A PATEL`).
    """
    if not text or not text.strip():
        return None
    cleaned = _strip_dob(text).replace("’", "'").strip()
    readings: list[str] = []

    def add(surname_keys: list[str], forename_key: str) -> None:
        """A reading from the surname's words and the forename, each already folded."""
        key, initial = "".join(surname_keys), forename_key[:1]
        initials_only = all(len(word) < 2 for word in surname_keys)
        if not initials_only and initial and f"{key}:{initial}" not in readings:
            readings.append(f"{key}:{initial}")

    def fold_words(text: str) -> list[str]:
        return [fold_letters(word) for word in text.split()]

    if "," in cleaned:
        surname, _, forenames = cleaned.partition(",")
        if forenames.split():
            add(fold_words(surname), fold_letters(forenames.split()[0]))
        return "|".join(readings) or None
    marked = split_name(cleaned)
    if marked and marked[1].split():
        add(fold_words(marked[0]), fold_letters(marked[1].split()[0]))
    # Folding a run of words is folding each word and joining them, so each word is folded once.
    words = [word for word in fold_words(cleaned) if word][:_MAX_NAME_WORDS]
    for k in range(1, len(words)):
        add(words[k:], words[0])  # forename first
        add(words[:k], words[k])  # surname first
    return "|".join(readings) or None


def dob_in_text(text: str | None) -> str | None:
    """A date of birth written in the text, as YYYY-MM-DD, if there is one."""
    if not text:
        return None
    match = _DOB_DMY.search(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _DOB_ISO.search(text)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def postcode(text: str | None) -> str | None:
    """A UK postcode, upper case with one space before the last three characters."""
    if not text:
        return None
    match = _POSTCODE.search(text.upper())
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"


@lru_cache(maxsize=1)
def street_words() -> tuple[str, dict[str, str]]:
    """The pattern that finds a building number and the street after it, and the abbreviations
    to expand in that street, from config/address.yml. One pattern for both readers: Python's
    `re` here, and DuckDB's RE2 in the macro normalise_ascii_building_and_street
    (dacall/normalise.sql), so it uses no look-around, which RE2 lacks.

    A word is a whole run of the letters A-Z (a run with a digit in it is no word); words are
    kept apart by anything but a letter, a digit or a comma. A street is the fewest words after
    a building number that end in a word naming a street type once expanded, its first word
    never that type; the first number that starts such a street is the building's."""
    config = load_yaml("address.yml")
    abbreviations = {k.upper(): v.upper() for k, v in config["abbreviations"].items()}
    types = frozenset(t.upper() for t in config["street_types"]) | frozenset(abbreviations.values())
    words = {w for w in types if abbreviations.get(w, w) in types}
    words |= {k for k, v in abbreviations.items() if v in types}
    # Only a run of letters can be a word: other entries can never match (nor could they before).
    enders = sorted((w for w in words if _NOT_A_TO_Z.search(w) is None), key=len, reverse=True)
    ender = "|".join(enders) or r"\b\B"  # no street types: a pattern that never matches
    between = "[^A-Z0-9,]+"
    pattern = (
        f"(?:^|[^A-Z0-9])([0-9]+[A-Z]?){between}([A-Z]+(?:{between}[A-Z]+)*?){between}"
        f"({ender})(?:[^A-Z0-9]|$)"
    )
    return pattern, {k: v for k, v in abbreviations.items() if _NOT_A_TO_Z.search(k) is None}


@lru_cache(maxsize=1)
def _street_pattern() -> re.Pattern:
    return re.compile(street_words()[0])


@lru_cache(maxsize=262_144)
def building_and_street(text: str | None) -> tuple[str, str] | None:
    """(building number, street key) from a free-text address.

    The building number is the number just before the street name; the street runs from there
    to its type word (ROAD, STREET, ...), abbreviations expanded on both sides alike, so `FLAT
    2, 14 HIGH ST` is building 14 of HIGH STREET. The first word of a street is never its type:
    the ST of `27 ST CROSS ROAD` is part of the name. The first number that starts such a
    street is the building's.
    """
    if not text:
        return None
    abbreviations = street_words()[1]
    upper = text.upper()
    if not upper.isascii():
        upper = unicodedata.normalize("NFKD", upper)
    cleaned = _POSTCODE.sub(" ", upper.replace("’", "").replace("'", ""))
    found = _street_pattern().search(cleaned)
    if found is None:
        return None
    words = [*_LETTERS.findall(found[2]), found[3]]
    return found[1], " ".join(abbreviations.get(word, word) for word in words)


def building(text: str | None) -> str | None:
    parsed = building_and_street(text)
    return parsed[0] if parsed else None


def street_key(text: str | None) -> str | None:
    parsed = building_and_street(text)
    return parsed[1] if parsed else None


@lru_cache(maxsize=262_144)
def e164(text: str | None) -> str | None:
    """A UK telephone number in E.164 (`07700 900123` = `+447700900123` = `447700900123`)."""
    if not text:
        return None
    digits = re.sub(r"\D", "", text.replace("(0)", ""))
    if not digits:
        return None
    if digits.startswith("00"):
        digits = digits[2:]
        candidate = "+" + digits
    elif digits.startswith("44") and len(digits) >= 12:
        candidate = "+" + digits
    elif text.strip().startswith("+"):
        candidate = "+" + digits
    else:
        candidate = digits
    try:
        number = phonenumbers.parse(candidate, "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
