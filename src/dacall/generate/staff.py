"""The force's staff and their system user ids over time (the staff directory)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from dacall.generate import pools

CONTROL_ROLES = ("CALL HANDLER", "CONTROLLER", "SUPERVISOR")


@dataclass
class Spell:
    """One directory row: who a staff number is, with which user ids, between two dates."""

    staff_no: str
    pnc_user: str | None
    pnd_user: str | None
    surname: str
    forename: str
    role: str
    team: str
    valid_from: date
    valid_to: date | None

    def active(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def user_id(self, system: str) -> str | None:
        """The user id this person's searches carry in one system's audit; None: no access."""
        if system == "PNC":
            return self.pnc_user
        if system == "PND":
            return self.pnd_user
        return self.staff_no


@dataclass
class Roster:
    spells: list[Spell] = field(default_factory=list)

    def directory_rows(self, day: date) -> list[Spell]:
        """The daily full snapshot: every row that had begun by that day, ended ones too."""
        return [s for s in self.spells if s.valid_from <= day]

    def active_on(self, day: date, roles: tuple[str, ...] | None = None) -> list[Spell]:
        return [s for s in self.spells if s.active(day) and (roles is None or s.role in roles)]


def _letter(rng: random.Random) -> str:
    return rng.choice("ABCDEFGH")


def build_roster(seed: int, scale: float, start: date, end: date) -> Roster:
    """About 1,000 users at scale 1: control room, officers, researchers and analysts.

    People join and leave during the period, some change role and get a new PNC user id, and a
    PNC id freed by a leaver is sometimes issued again to a new joiner, so an audit user maps to
    a person only through the directory row valid on the day of the search.
    """
    rng = random.Random(f"{seed}:staff")
    counts = {
        "CALL HANDLER": 70,
        "CONTROLLER": 12,
        "SUPERVISOR": 14,
        "RESEARCHER": 16,
        "ANALYST": 8,
        "OFFICER": 880,
    }
    roster = Roster()
    staff_serial = 20_000
    officer_serial = 1_000
    period_days = (end - start).days
    freed_pnc_ids: list[tuple[date, str]] = []

    def new_person(role: str) -> tuple[str, str, str, str]:
        nonlocal staff_serial, officer_serial
        if role == "OFFICER":
            officer_serial += rng.randint(1, 2)
            number = officer_serial
            staff_no = f"P{number}"
        else:
            staff_serial += rng.randint(1, 9)
            number = staff_serial
            staff_no = f"S{number}"
        forename = rng.choice(pools.FEMALE_FORENAMES + pools.MALE_FORENAMES)
        surname = rng.choice(pools.SURNAMES)
        return staff_no, f"{number:05d}", forename.upper(), surname.upper()

    for role, base in counts.items():
        n = max(1, round(base * scale))
        for _ in range(n):
            staff_no, digits, forename, surname = new_person(role)
            team = rng.choice(pools.TEAMS_OFFICER if role == "OFFICER" else pools.TEAMS_CONTROL)
            if role in ("RESEARCHER", "ANALYST"):
                team = "INTELLIGENCE UNIT"
            joined_in_period = rng.random() < 0.08
            valid_from = (
                start + timedelta(days=rng.randint(1, max(1, period_days - 1)))
                if joined_in_period
                else start - timedelta(days=rng.randint(60, 6000))
            )
            leaves = rng.random() < 0.08
            valid_to = valid_from + timedelta(days=rng.randint(30, 400)) if leaves else None
            if valid_to is not None and valid_to < start - timedelta(days=1):
                valid_to = start + timedelta(days=rng.randint(10, max(11, period_days - 1)))
            has_pnc = role != "ANALYST" and rng.random() < 0.93
            has_pnd = role != "CALL HANDLER" or rng.random() < 0.85
            pnc_user = f"HC{digits}{_letter(rng)}" if has_pnc else None
            if has_pnc and joined_in_period and freed_pnc_ids:
                freed_on, freed_id = freed_pnc_ids[0]
                if (valid_from - freed_on).days >= 60:
                    freed_pnc_ids.pop(0)
                    pnc_user = freed_id
            pnd_user = f"hc.{staff_no.lower()}" if has_pnd else None
            spell = Spell(
                staff_no, pnc_user, pnd_user, surname, forename, role, team, valid_from, valid_to
            )
            # A change of role inside the period: a new row and a new PNC id from that day.
            if valid_to is None and rng.random() < 0.05 and has_pnc:
                change = start + timedelta(days=rng.randint(20, max(21, period_days - 20)))
                if change > valid_from + timedelta(days=1):
                    spell.valid_to = change - timedelta(days=1)
                    suffix = chr(ord(pnc_user[-1]) + 1) if pnc_user[-1] != "H" else "J"
                    new_role = "SUPERVISOR" if role == "CALL HANDLER" else role
                    roster.spells.append(spell)
                    spell = Spell(
                        staff_no,
                        f"{pnc_user[:-1]}{suffix}",
                        pnd_user,
                        surname,
                        forename,
                        new_role,
                        team,
                        change,
                        None,
                    )
            if spell.valid_to is not None and spell.pnc_user:
                freed_pnc_ids.append((spell.valid_to, spell.pnc_user))
                freed_pnc_ids.sort()
            roster.spells.append(spell)
    roster.spells.sort(key=lambda s: (s.staff_no, s.valid_from))
    return roster
