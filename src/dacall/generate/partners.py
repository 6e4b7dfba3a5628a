"""Partner agencies' records: MARAC, the local authority's MASH and Victim Support.

Partners hold no police identifiers and write people their own way: nicknames, married or
birth names, typos, day and month swapped, fields missing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from dacall.generate import pools
from dacall.generate.world import (
    Person,
    World,
    phone_as_typed,
    postcode_as_typed,
    strip_accents,
    typo,
)

MARAC_HEADER = [
    "Case Ref",
    "Referral Date",
    "Meeting Date",
    "Victim Forename",
    "Victim Surname",
    "Victim DOB",
    "Victim Postcode",
    "Referring Agency",
    "Risk Basis",
    "Repeat",
    "Children In Household",
]
MASH_HEADER = [
    "referral_id",
    "received",
    "subject_name",
    "subject_dob",
    "address",
    "postcode",
    "concern_type",
    "outcome",
    "outcome_date",
]
VS_HEADER = [
    "VS_REF",
    "REFERRED_ON",
    "CLIENT_NAME",
    "CLIENT_PHONE",
    "CONSENT",
    "SERVICE",
    "ENGAGED",
]


class PartnerView:
    """How one partner happens to have written one person down."""

    def __init__(self, world: World, defects: dict):
        self.world = world
        self.d = defects

    def names(self, rng: random.Random, person: Person) -> tuple[str, str]:
        forename = person.forename
        if forename in pools.NICKNAMES and rng.random() < self.d["partner_nickname"]:
            forename = rng.choice(pools.NICKNAMES[forename])
        surname = person.surname
        if person.other_surname and rng.random() < self.d["partner_other_surname"]:
            surname = person.other_surname
        if rng.random() < self.d["partner_typo"]:
            surname = typo(surname, rng)
        if rng.random() < 0.5:  # spreadsheets and case systems drop accents
            forename, surname = strip_accents(forename), strip_accents(surname)
        if "'" in surname and rng.random() < 0.6:
            surname = surname.replace("'", rng.choice([" ", ""]))
        return forename, surname

    def dob(self, rng: random.Random, person: Person) -> date | None:
        if rng.random() < self.d["partner_dob_missing"]:
            return None
        dob = person.dob
        if dob.day <= 12 and dob.day != dob.month and rng.random() < self.d["partner_dob_swap"]:
            return date(dob.year, dob.day, dob.month)
        return dob

    def postcode(self, rng: random.Random, person: Person) -> str:
        if rng.random() < self.d["partner_postcode_missing"]:
            return ""
        address_id = (
            person.moved_to if person.moved_to and rng.random() < 0.7 else person.address_id
        )
        return postcode_as_typed(self.world.address(address_id).postcode, rng)

    def marac_row(
        self,
        rng,
        person: Person,
        case_ref: str,
        referred: date,
        agency: str,
        basis: str,
        repeat: bool,
        children: int,
    ) -> list[str]:
        forename, surname = self.names(rng, person)
        dob = self.dob(rng, person)
        meeting = referred + timedelta(days=(3 - referred.weekday()) % 7 + 7 * rng.randint(1, 3))
        return [
            case_ref,
            referred.strftime("%d/%m/%Y"),
            meeting.strftime("%d/%m/%Y"),
            forename,
            surname,
            dob.strftime("%d/%m/%Y") if dob else "",
            self.postcode(rng, person),
            agency,
            basis,
            "Yes" if repeat else "No",
            str(children),
        ]

    def mash_row(
        self, rng, person: Person, referral_id: str, received: date, concern: str
    ) -> list[str]:
        forename, surname = self.names(rng, person)
        dob = self.dob(rng, person)
        address = self.world.address(person.address_id)
        street = address.street
        if rng.random() < 0.5:
            street = street.replace("Road", "Rd").replace("Street", "St").replace("Avenue", "Ave")
        outcome = rng.choice(["NFA", "Early Help", "Section 17", "Section 47", "Strategy Meeting"])
        return [
            referral_id,
            received.isoformat(),
            f"{forename} {surname}",
            dob.isoformat() if dob else "",
            f"{address.building} {street}, {address.town}",
            self.postcode(rng, person),
            concern,
            outcome,
            (received + timedelta(days=rng.randint(1, 21))).isoformat(),
        ]

    def vs_row(
        self, rng, person: Person, vs_ref: str, referred: date, consent: bool, service: str
    ) -> list[str]:
        forename, surname = self.names(rng, person)
        name = f"{forename} {surname}" if rng.random() < 0.6 else f"{surname}, {forename}"
        # Victim Support contacts clients by telephone: a referral without one is rare.
        phone = phone_as_typed(person.mobile, rng) if rng.random() < 0.96 else ""
        engaged = rng.choice(["Y", "Y", "N", "Unknown"]) if consent else "Unknown"
        return [
            vs_ref,
            referred.strftime("%d/%m/%Y"),
            name,
            phone,
            "Y" if consent else "N",
            service,
            engaged,
        ]
