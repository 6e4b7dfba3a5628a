"""People, addresses and telephone numbers, each derived from its id and the seed.

Nothing here is stored: person 1234 is the same woman every time she is asked for, so the
generator's memory does not grow with the size of the population it draws from.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from dacall.generate import pools
from dacall.generate.draws import by_share


def fold(text: str) -> str:
    """Upper case, accents folded, apostrophes, hyphens and spaces dropped (claims.md)."""
    decomposed = unicodedata.normalize("NFKD", text.upper())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in letters if c.isalnum())


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def ascii_upper(text: str) -> str:
    """The PNC alphabet: upper-case letters, space, hyphen, apostrophe."""
    decomposed = unicodedata.normalize("NFKD", text.upper().replace("’", "'"))
    return "".join(c for c in decomposed if c.isalpha() and c.isascii() or c in " -'")


@dataclass(frozen=True)
class Address:
    address_id: int
    flat: int | None
    building: int
    street: str  # full form, e.g. "St Cross Road"
    town: str
    postcode: str  # canonical "SO23 9PJ"
    uprn: str
    rural: bool

    @property
    def street_key(self) -> str:
        return fold(self.street)


@dataclass(frozen=True)
class Person:
    person_id: int
    sex: str
    forename: str
    middle: str | None
    surname: str
    other_surname: str | None  # birth or married name, used by some partners
    dob: date
    mobile: str  # national format digits, e.g. 07700900123
    address_id: int
    moved_to: int | None  # a later address some partners know


class World:
    def __init__(self, seed: int):
        self.seed = seed

    @lru_cache(maxsize=200_000)  # noqa: B019 - the world lives as long as one generation run
    def address(self, address_id: int) -> Address:
        rng = random.Random(f"{self.seed}:address:{address_id}")
        town, districts, rural = rng.choice(pools.TOWNS)
        district = rng.choice(districts)
        postcode = (
            f"{district} {rng.randint(1, 9)}"
            f"{rng.choice(pools.POSTCODE_UNIT_LETTERS)}{rng.choice(pools.POSTCODE_UNIT_LETTERS)}"
        )
        street = f"{rng.choice(pools.STREET_NAMES)} {rng.choice(pools.STREET_TYPES)}"
        flat = rng.randint(1, 12) if rng.random() < 0.18 else None
        return Address(
            address_id=address_id,
            flat=flat,
            building=rng.randint(1, 180),
            street=street,
            town=town,
            postcode=postcode,
            uprn=str(100_060_000_000 + address_id * 37 % 9_000_000_000),
            rural=rural,
        )

    @lru_cache(maxsize=200_000)  # noqa: B019
    def person(self, person_id: int) -> Person:
        rng = random.Random(f"{self.seed}:person:{person_id}")
        sex = "F" if rng.random() < 0.77 else "M"  # ONS: about 3 in 4 DA victims are women
        forename = rng.choice(pools.FEMALE_FORENAMES if sex == "F" else pools.MALE_FORENAMES)
        surname = rng.choice(pools.SURNAMES)
        other = rng.choice(pools.SURNAMES) if rng.random() < 0.12 else None
        if other == surname:
            other = None
        age_days = int(rng.triangular(16, 75, 31) * 365.25)
        dob = date(2025, 1, 1) - timedelta(days=age_days)
        mobile = f"07700{(person_id * 7919 + 104_729) % 1_000_000:06d}"
        return Person(
            person_id=person_id,
            sex=sex,
            forename=forename,
            middle=rng.choice(pools.MIDDLE_NAMES) if rng.random() < 0.3 else None,
            surname=surname,
            other_surname=other,
            dob=dob,
            mobile=mobile,
            address_id=person_id * 3 + 1,
            moved_to=person_id * 3 + 2 if rng.random() < 0.06 else None,
        )


def e164(national: str) -> str:
    return "+44" + national.lstrip("0")


def phone_as_typed(national: str, rng: random.Random) -> str:
    """The same number as people and systems write it (feeds.md lists the forms)."""
    digits = national
    style = rng.random()
    if digits.startswith("07"):
        return by_share(
            style,
            [
                (0.40, f"{digits[:5]} {digits[5:]}"),
                (0.60, digits),
                (0.78, f"+44 {digits[1:5]} {digits[5:]}"),
                (0.90, "44" + digits[1:]),
            ],
            f"{digits[:5]} {digits[5:8]} {digits[8:]}",
        )
    return by_share(style, [(0.5, f"({digits[:3]}) {digits[3:7]} {digits[7:]}")], digits)


def abbreviate_street(street: str, rng: random.Random) -> str:
    words = street.split(" ")
    if words[-1] in pools.STREET_ABBREVIATIONS and rng.random() < 0.5:
        words[-1] = pools.STREET_ABBREVIATIONS[words[-1]]
    return " ".join(words)


def location_text(addr: Address, rng: random.Random, with_town: bool = True) -> str:
    street = abbreviate_street(addr.street, rng).upper()
    text = f"{addr.building} {street}"
    if addr.flat is not None:
        text = f"FLAT {addr.flat}, {text}"
    if with_town:
        text = f"{text}, {addr.town.upper()}"
    return text


def postcode_as_typed(postcode: str, rng: random.Random) -> str:
    return by_share(
        rng.random(),
        [(0.75, postcode), (0.88, postcode.replace(" ", "")), (0.95, postcode.lower())],
        postcode.replace(" ", "").lower(),
    )


def typo(text: str, rng: random.Random) -> str:
    """One keyboard slip: a letter dropped, doubled or swapped with its neighbour."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 4:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.random()
    if kind < 0.4:
        return text[:i] + text[i + 1 :]
    if kind < 0.7:
        return text[:i] + text[i] + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
