"""Names in either order (claims.md: name order must not matter; feeds.md: the C&C and RMS
search boxes hold a name in either order). A search matches the caller when any reading of its
text gives the caller's surname key and first initial."""

from __future__ import annotations

import duckdb
import pytest

from dacall import dbt_plugin
from dacall.normalise import first_forename_key, name_readings, surname_key


def caller_key(name: str) -> str:
    """The incident side, as stg_cc_incidents keys CALLER_NAME."""
    return f"{surname_key(name)}:{first_forename_key(name)[:1]}"


def matches(search_text: str, caller: str) -> bool:
    return caller_key(caller) in (name_readings(search_text) or "").split("|")


@pytest.mark.parametrize(
    ("search_text", "caller"),
    [
        ("PATEL ANITA", "Anita PATEL"),  # surname first, no comma: the case
        ("ANITA PATEL", "PATEL, Anita"),
        ("PATEL, ANITA 12/03/1988", "Anita PATEL"),
        ("PATEL ANITA 12/03/1988", "PATEL, Anita Marie"),
        ("A PATEL", "Anita PATEL"),  # initial only
        ("PATEL A", "Anita PATEL"),
        ("ANITA MARIE PATEL", "Anita PATEL"),  # a middle name
        ("PATEL ANITA MARIE", "Anita PATEL"),
        ("JAN VAN DER BERG", "VAN DER BERG, Jan"),  # a surname of several words
        ("VAN DER BERG JAN", "Jan VAN DER BERG"),
        ("O'NEILL SEAN", "Sean O'NEILL"),  # apostrophes dropped
        ("SEAN O NEILL", "Sean O'NEILL"),
        ("SMITH-JONES MARY", "Mary SMITH-JONES"),  # double-barrelled
        ("MARY SMITH JONES", "Mary SMITH-JONES"),
        ("BRONTË CHARLOTTE", "Charlotte BRONTE"),  # accents folded
    ],
)
def test_a_name_in_either_order_matches_the_caller(search_text, caller):
    assert matches(search_text, caller)


@pytest.mark.parametrize(
    ("search_text", "caller"),
    [
        ("PATEL RAVI", "Anita PATEL"),  # another forename
        ("SMITH ANITA", "Anita PATEL"),  # another surname
        ("PATEL, ANITA", "Patel ANITA"),  # a comma marks the surname: one reading only
        ("A J PATEL", "Jane A"),  # initials are never a surname
        ("SMITH JONES MARY", "Mary JONES-SMITH"),  # the order of a surname's parts counts
    ],
)
def test_other_people_do_not_match(search_text, caller):
    assert not matches(search_text, caller)


def test_no_name_gives_no_reading():
    assert name_readings(None) is None
    assert name_readings("   ") is None
    assert name_readings("PATEL") is None  # a surname alone has no initial to match
    assert name_readings("12/03/1988") is None


def test_the_readings_are_a_duckdb_function_for_the_models():
    con = duckdb.connect()
    dbt_plugin.register(con)
    (readings,) = con.execute(
        "select string_split(normalise_name_readings('PATEL ANITA 12/03/1988'), '|')"
    ).fetchone()
    assert sorted(readings) == ["ANITA:P", "PATEL:A"]
