"""Audit rows for each system: searches made for incidents, and the force's other traffic."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from dacall.generate import pools, writers
from dacall.generate.clock import fmt_local, fmt_local_iso, writable_local
from dacall.generate.draws import by_share
from dacall.generate.world import Address, ascii_upper, location_text, phone_as_typed

SYLLABLES = [
    "mar",
    "low",
    "ten",
    "bry",
    "ash",
    "cot",
    "fen",
    "hol",
    "dri",
    "kes",
    "var",
    "ton",
    "wick",
    "ley",
    "bur",
    "den",
    "ford",
    "ham",
    "ridge",
    "more",
    "wyn",
    "tar",
    "quil",
]
BACKGROUND_STREETS = [
    "Marlow",
    "Tenby",
    "Brycot",
    "Fenwick",
    "Holdri",
    "Kesvar",
    "Quilton",
    "Wynbur",
    "Tarley",
    "Dunmore",
    "Ashridge",
    "Cotham",
    "Varden",
    "Lowford",
]


# Forenames that are nobody's surname: a name typed in either order is read both ways, so the
# force's unrelated searches must not read as a victim's surname either (the answer key knows
# they never match).
BACKGROUND_FORENAMES = [
    name
    for name in pools.FEMALE_FORENAMES + pools.MALE_FORENAMES
    if name.upper() not in {s.upper() for s in pools.SURNAMES}
]


def invented_surname(rng: random.Random) -> str:
    """Surnames for the force's unrelated searches, never one of the victims' surnames."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize() + "e"


def invented_address(rng: random.Random) -> Address:
    town, districts, rural = rng.choice(pools.TOWNS)
    district = rng.choice(districts)
    letters = pools.POSTCODE_UNIT_LETTERS
    return Address(
        address_id=-1,
        flat=None,
        building=rng.randint(1, 300),
        street=f"{rng.choice(BACKGROUND_STREETS)} {rng.choice(pools.STREET_TYPES)}",
        town=town,
        postcode=f"{district} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}",
        uprn=str(200_000_000_000 + rng.randint(0, 99_999_999)),
        rural=rural,
    )


def invented_mobile(rng: random.Random) -> str:
    return f"07800{rng.randint(0, 999_999):06d}"


class AuditWriter:
    """Turns a search (who, when, what was typed) into the row each system's audit holds."""

    def __init__(self, seed: int):
        self.pnc_serial = 981_000 + seed % 1000
        self.rms_serial = 5_500_000 + seed % 1000
        self.pnd_serial = 0

    # Each returns (sort key, row) for the feed file of the row's date.
    def pnc(
        self, rng, at: datetime, user: str, txn: str, person: dict | None = None, vrm: str = ""
    ):
        self.pnc_serial += rng.randint(1, 7)
        surname = forenames = dob8 = reason = ""
        if person is not None:
            surname = ascii_upper(person["surname"])
            forenames = ascii_upper(person["forename"])
            dob8 = person["dob"].strftime("%Y%m%d") if person.get("dob") else ""
            reason = "" if rng.random() < 0.7 else rng.choice(["01", "02", "05", "12"])
        line = writers.pnc_line(
            f"PNC{self.pnc_serial:09d}",
            user,
            at.strftime("%Y%m%d"),
            at.strftime("%H%M%S"),
            txn,
            surname,
            forenames,
            dob8,
            reason,
            vrm,
        )
        return at, line

    def pnd(self, rng, at: datetime, user: str, search: dict):
        self.pnd_serial += 1
        event = {
            "event_id": f"pnd-{self.pnd_serial:07x}{rng.getrandbits(20):05x}",
            "user": user,
            "ts": at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
            "search": search,
            "hits": rng.choice([0, 0, 0, 1, 1, 2, 3]),
        }
        if rng.random() < 0.15:
            event["client"] = rng.choice(["mobile", "desktop"])
        if rng.random() < 0.05:
            event["session"] = {"terminal": f"T{rng.randint(100, 999)}"}
        return at, writers.pnd_line(event)

    def rms(self, rng, at: datetime, user: str, action: str, text: str = "", record: str = ""):
        self.rms_serial += rng.randint(1, 3)
        at = writable_local(at)
        return at, [str(self.rms_serial), user, action, fmt_local_iso(at), text, record]

    def cad(self, rng, at: datetime, user: str, kind: str, value: str):
        at = writable_local(at)
        return at, [user, fmt_local(at), kind, value, str(rng.choice([0, 0, 1, 2, 3, 5]))]

    # -- what a person types into each system ---------------------------------------------
    @staticmethod
    def person_text(rng, person: dict, with_dob: bool) -> str:
        """A name typed into one search box: feeds.md says in either order. Surname first
        without a comma, and an initial for the forename, are how handlers type in a hurry."""
        surname, forename = person["surname"].upper(), person["forename"].upper()
        dob = person.get("dob")
        if rng.random() < 0.05:
            forename = forename[:1]
        text = by_share(
            rng.random(),
            [(0.5, f"{surname}, {forename}"), (0.8, f"{forename} {surname}")],
            f"{surname} {forename}",
        )
        if with_dob and dob is not None:
            text += " " + dob.strftime("%d/%m/%Y")
        return text

    @staticmethod
    def address_text(rng, addr: Address, building: int, postcode: bool, town: bool) -> str:
        moved = Address(
            addr.address_id,
            None if rng.random() < 0.5 else addr.flat,
            building,
            addr.street,
            addr.town,
            addr.postcode,
            addr.uprn,
            addr.rural,
        )
        text = location_text(moved, rng, with_town=town).replace(",", "")
        if postcode:
            text += " " + addr.postcode
        return text

    def render(self, rng, system: str, subject_type: str, at: datetime, user: str, display: dict):
        """One search in one system's own row format."""
        if system == "PNC":
            return self.pnc(rng, at, user, "QNAM", display)
        if system == "PND":
            if subject_type == "PERSON":
                search = {
                    "kind": "person",
                    "surname": display["surname"],
                    "forename": display["forename"],
                }
                if display.get("dob"):
                    search["dob"] = display["dob"].isoformat()
            elif subject_type == "ADDRESS":
                addr = display["address"]
                search = {
                    "kind": "location",
                    "address": location_text(
                        Address(
                            addr.address_id,
                            addr.flat,
                            display["building"],
                            addr.street,
                            addr.town,
                            addr.postcode,
                            addr.uprn,
                            addr.rural,
                        ),
                        rng,
                    )
                    .title()
                    .replace("'S ", "'s "),
                }
                if display["postcode"]:
                    search["postcode"] = addr.postcode
            else:
                search = {"kind": "telephone", "phone": phone_as_typed(display["number"], rng)}
            return self.pnd(rng, at, user, search)
        if system == "RMS":
            if subject_type == "PERSON":
                return self.rms(
                    rng, at, user, "SEARCH_PERSON", self.person_text(rng, display, with_dob=True)
                )
            if subject_type == "ADDRESS":
                text = self.address_text(
                    rng,
                    display["address"],
                    display["building"],
                    display["postcode"],
                    town=not display["postcode"],
                )
                return self.rms(rng, at, user, "SEARCH_LOCATION", text)
            return self.rms(
                rng,
                at,
                user,
                "SEARCH_TELEPHONE",
                phone_as_typed(display["number"], rng).replace(" ", "")
                if rng.random() < 0.7
                else phone_as_typed(display["number"], rng),
            )
        # CAD: the C&C's own history search
        if subject_type == "PERSON":
            return self.cad(rng, at, user, "NAME", self.person_text(rng, display, with_dob=False))
        if subject_type == "ADDRESS":
            if display.get("uprn"):
                return self.cad(rng, at, user, "UPRN", display["address"].uprn)
            text = self.address_text(rng, display["address"], display["building"], False, True)
            return self.cad(rng, at, user, "ADDRESS", text)
        return self.cad(rng, at, user, "TELEPHONE", phone_as_typed(display["number"], rng))


def background_searches(rng: random.Random, system: str, start: datetime, count: int):
    """The force's other traffic on one system for one day: (at, subject_type, display).

    Times follow a day-shaped curve; subjects are invented so they never collide with the
    incidents' subjects (the answer key stays exact), but they are written the same ways.
    """
    hour_weights = [2, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 10, 9, 9, 10, 10, 10, 9, 8, 7, 6, 5, 4, 3]
    total = sum(hour_weights)
    out = []
    for hour, weight in enumerate(hour_weights):
        n = round(count * weight / total)
        for _ in range(n):
            at = start + timedelta(hours=hour, seconds=rng.uniform(0, 3599.999))
            out.append(at)
    out.sort()
    for at in out:
        yield at


def background_display(rng: random.Random, subject_type: str) -> dict:
    if subject_type == "PERSON":
        dob = datetime(1940, 1, 1) + timedelta(days=rng.randint(0, 24_800))
        return {
            "surname": invented_surname(rng),
            "forename": rng.choice(BACKGROUND_FORENAMES),
            "dob": dob.date() if rng.random() < 0.75 else None,
        }
    if subject_type == "ADDRESS":
        addr = invented_address(rng)
        return {
            "address": addr,
            "building": addr.building,
            "uprn": rng.random() < 0.2,
            "postcode": rng.random() < 0.6,
        }
    return {"number": invented_mobile(rng)}


def vrm(rng: random.Random) -> str:
    letters = pools.VEHICLE_LETTERS
    return (
        f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(10, 75)}"
        f"{rng.choice(letters)}{rng.choice(letters)}{rng.choice(letters)}"
    )
