"""The normalisation functions the dbt models call through DuckDB (the macros `normalise_<name>`
of dacall/normalise.sql, created by dacall.dbt_plugin) must give exactly what dacall.normalise
gives called directly, on hostile
text too: NULL, empty, unicode, Windows-1252 characters, punctuation, very long strings."""

from __future__ import annotations

import random
import unicodedata

import duckdb
import pytest

from dacall import dbt_plugin, normalise
from dacall.normalise import fold_letters

# Every byte 0x80-0xFF of a Windows-1252 file, decoded as the ingestion decodes it.
WINDOWS_1252 = bytes(b for b in range(0x80, 0x100) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
WINDOWS_1252_TEXT = WINDOWS_1252.decode("cp1252")

HOSTILE = [
    None,
    "",
    " ",
    "\t\n\r",
    ",",
    ", ,",
    "PATEL, Anita 12/03/1988",
    "Anita PATEL",
    "anita patel",
    "PATEL ANITA MARIE 1988-03-12",
    "JAN VAN DER BERG",
    "O’NEILL, Seán",
    "O'NEILL SEAN",
    "SMITH-JONES, Mary",
    "BRONTË CHARLOTTE",
    "ŒDIPUS, Ægir",
    "STRAßE, Jürgen",
    "ﬁnn ﬂynn",  # ligatures NFKD unfolds
    "Ｐａｔｅｌ Ａｎｉｔａ",  # full-width letters
    "李 小龙",
    "Ωmega ΣIGMA",
    "A PATEL",
    "PATEL A",
    "12/13/1999 SMITH, J",
    "31/02/2001",
    "00/00/0000",
    "Robert'); DROP TABLE staff;--",
    '=HYPERLINK("x")',
    "FLAT 2, 14 HIGH ST, LEEDS LS1 4AB",
    "27 ST CROSS ROAD",
    "14a high street ls14ab",
    "ls1 4ab",
    "LS1  4AB",
    "SW1A1AA",
    "1 2 3 ROAD",
    "07700 900123",
    "+44 7700 900123",
    "447700900123",
    "0044 (0) 7700 900123",
    "+1 202 555 0143",
    "0",
    "999",
    "+",
    "(0)",
    "07700-900-123 ext 4",
    "٠٧٧٠٠٩٠٠١٢٣",  # Arabic-Indic digits
    WINDOWS_1252_TEXT,
    "SMITH\x00JONES",
    "x" * 20_000,
    "PATEL " * 2_000,
    "14 " + "HIGH " * 500 + "ROAD",
]


def random_texts(count: int) -> list[str | None]:
    rng = random.Random(16)
    alphabet = (
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ,.'’-/+()"
        + WINDOWS_1252_TEXT
    )
    texts: list[str | None] = []
    for _ in range(count):
        if rng.random() < 0.05:
            texts.append(None)
        else:
            texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))))
    return texts


# Pieces of what is typed in a search, so that generated texts have the structure the name,
# date, postcode and street readings look for: commas, mixed case, runs of spaces, dates of both
# forms (impossible ones too), initials, postcodes, punctuation and the odd character SQL hands
# over.
PIECES = [
    "PATEL", "Patel", "patel", "O'Brien", "O'BRIEN", "VAN", "der", "A", "J.", "Mc-Donald",
    "SMITH-JONES", ",", ", ", " , ", "12/03/1980", "1980-03-12", "31/02/1999", "00/13/2000",
    "1/1/1/2000", "2000-01-011", "9/9/99999", "2020-1-1", "X", "x", "  ", "-", ".", "7", "12A",
    "Mr", "DR", "'", "(", ")", "=HYPERLINK", "<b>", '"', "AB1 2CD", "ab12cd", "SW1A 1AA",
    "07700 900123", "b c", "Brontë", "ß", "\t", "ﬁ", "Liz", "zoe",
    "JONES", "d'Arcy", "AL-FAYED", "14", "HIGH", "St", "ROAD", "rd", "Flat 2", "27 ST CROSS RD",
    "12a", "CLOSE", "Way", "GREEN LANE", "1",
]  # fmt: skip


def pieced_texts(count: int) -> list[str]:
    rng = random.Random(14)
    return [
        "".join(
            rng.choice(PIECES) + rng.choice(["", " ", " ", "  ", ","])
            for _ in range(rng.randint(1, 9))
        )
        for _ in range(count)
    ]


def telephone_texts(count: int) -> list[str]:
    """Numbers as they are typed: every leading digit, lengths either side of a UK number's,
    the prefixes 0, 44, +44, 0044 and (0), the national prefix 180020, and separators."""
    rng = random.Random(15)
    prefixes = ["", "0", "00", "44", "+44", "0044", "+44 (0)", "44(0)", "+", "+0", "180020"]
    prefixes += ["0180020"]
    texts = []
    for _ in range(count):
        length = 10 if rng.random() < 0.6 else rng.randint(6, 13)  # ten: a UK national number
        digits = "".join(rng.choice("0123456789") for _ in range(length))
        if rng.random() < 0.7:
            digits = rng.choice("123456789") + digits[1:]
        number = rng.choice(prefixes) + digits
        cut = rng.randint(0, len(number))
        texts.append(
            rng.choice(["", " ", "  "])
            + number[:cut]
            + rng.choice(["", " ", "-", ".", " - "])
            + number[cut:]
            + rng.choice(["", " ", " ext 4", "x"])
        )
    return texts


@pytest.fixture(scope="module")
def texts() -> list[str | None]:
    # Thousands of rows, repeated and interleaved with NULLs, so that DuckDB hands the
    # functions several batches with repeats in them.
    return (
        (HOSTILE * 40)
        + random_texts(6_000)
        + pieced_texts(20_000)
        + telephone_texts(20_000)
        + HOSTILE
    )


@pytest.fixture(scope="module")
def warehouse(texts):
    con = duckdb.connect()
    dbt_plugin.register(con)
    con.execute("create table inputs (n integer, text varchar)")
    con.executemany("insert into inputs values (?, ?)", list(enumerate(texts)))
    yield con
    con.close()


@pytest.mark.parametrize("name", sorted(dbt_plugin.FUNCTIONS))
def test_the_duckdb_function_gives_what_python_gives_row_by_row(warehouse, texts, name):
    function = dbt_plugin.FUNCTIONS[name]
    macro = name.replace("dacall_", "normalise_", 1)
    got = [
        r[0] for r in warehouse.execute(f"select {macro}(text) from inputs order by n").fetchall()
    ]
    expected = [function(text) for text in texts]
    mismatches = [(t, g, e) for t, g, e in zip(texts, got, expected, strict=True) if g != e]
    assert not mismatches, mismatches[:5]
    assert any(value is not None for value in expected)  # the inputs exercise the function


def test_plain_text_is_read_in_sql_and_the_rest_in_python():
    """The SQL macros read printable ASCII themselves and hand only other text to Python: with
    the Python functions replaced by a marker, plain text still gets its real result."""
    con = duckdb.connect()
    dbt_plugin.register(con)
    for name in dbt_plugin.FUNCTIONS:
        con.remove_function(name)
        con.create_function(name, lambda text: "python", ["VARCHAR"], "VARCHAR")
    person, address = "Anita Marie PATEL 12/03/1988", "14 High St, ls1 4ab"
    row = con.execute(
        "select normalise_surname_key(?), normalise_name_readings(?), normalise_dob_in_text(?), "
        "normalise_postcode(?), normalise_surname_key(?), normalise_e164(?), normalise_e164(?), "
        "normalise_e164(?), normalise_building(?), normalise_street_key(?), "
        "normalise_street_key(?)",
        [
            person, person, person, address, "BRONTË, Charlotte",
            "07700 900123", "0044 (0) 7700 900123", "+1 202 555 0143", address, address,
            "14 Rue Émile Zola Rd",
        ],
    ).fetchone()  # fmt: skip
    assert row == (
        "PATEL",
        "PATEL:A|MARIEPATEL:A|ANITA:M|ANITAMARIE:P",
        "1988-03-12",
        "LS1 4AB",
        "python",
        "+447700900123",
        "+447700900123",
        "python",  # not a UK number: the library reads it
        "14",
        "HIGH STREET",
        "python",
    )
    in_sql = con.execute(
        "select count(*) filter (where normalise_is_plain(t)) / count(*) from unnest(?) as _(t)",
        [pieced_texts(20_000)],
    ).fetchone()[0]
    assert in_sql > 0.5  # the comparison above tests the SQL, not only its fallback


def test_a_read_only_warehouse_gets_the_functions_on_each_cursor(tmp_path):
    """dbt opens a warehouse read-only for some commands: the macros cannot be kept in it, so
    each cursor gets its own."""
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    con = duckdb.connect(str(path), read_only=True)
    assert dbt_plugin.register(con) is False
    cursor = con.cursor()
    dbt_plugin.create_macros(cursor, temporary=True)
    for connection in (con, cursor):
        assert connection.execute("select normalise_surname_key('PATEL, Anita')").fetchall() == [
            ("PATEL",)
        ]


def test_a_function_only_sees_the_rows_its_case_selects(warehouse):
    """The models pass NULL for rows of another kind: NULL in, NULL out, never an error."""
    rows = warehouse.execute(
        "select normalise_e164(case when text like '07%' then text end), text from inputs "
        "where text is null or text not like '07%' limit 500"
    ).fetchall()
    assert rows and all(value is None for value, _ in rows)


def original_fold_letters(text: str | None) -> str:
    """fold_letters as it was written first, one character at a time."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.upper())
    return "".join(c for c in decomposed if "A" <= c <= "Z")


def test_fold_letters_is_unchanged_on_every_character():
    every_character = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(every_character), 4096):
        chunk = "".join(every_character[start : start + 4096])
        assert fold_letters(chunk) == original_fold_letters(chunk)
    for text in [*HOSTILE, *random_texts(2_000)]:
        assert fold_letters(text) == original_fold_letters(text)


def test_a_search_of_only_a_date_has_no_name(warehouse):
    """`31/02/2001` typed in a person search: no surname, no forename, and no error (it used to
    raise IndexError and stop the dbt build)."""
    row = warehouse.execute(
        "select normalise_surname_key(t), normalise_first_forename(t), "
        "normalise_forename_initial(t), normalise_name_readings(t) from (select '31/02/2001' as t)"
    ).fetchone()
    assert row == (None, None, None, None)


@pytest.fixture
def street_words_of_config_copy(config_copy):
    """config_copy, with the street words read again from it (and from config/ afterwards)."""

    def forget():
        for cached in (
            normalise.street_words,
            normalise._street_pattern,
            normalise.building_and_street,
            dbt_plugin._normalise_macros,
        ):
            cached.cache_clear()

    forget()
    yield config_copy
    forget()


def test_a_street_word_added_to_the_config_is_read_alike_in_sql_and_python(
    street_words_of_config_copy,
):
    """config/address.yml is a data team's to extend: a local abbreviation and street type reach
    the SQL reader as they reach the Python one (the pattern and abbreviations are written into
    the macro from the file), a quote in a word included."""
    address_yml = street_words_of_config_copy / "address.yml"
    address_yml.write_text(
        address_yml.read_text(encoding="utf-8")
        .replace("abbreviations:", 'abbreviations:\n  CH: CHASE\n  WHF: "ST MARY\'S WHARF"', 1)
        .replace("street_types: [", 'street_types: [CHASE, "ST MARY\'S WHARF", ', 1),
        encoding="utf-8",
    )
    con = duckdb.connect()
    dbt_plugin.register(con)
    addresses = ["7 Deer Ch, Leeds", "7 DEER CHASE", "3 Old Whf", "3 Old Wharf Road", "9 Deer Chs"]
    got = con.execute(
        "select normalise_building(a), normalise_street_key(a) from unnest(?) as _(a)",
        [addresses],
    ).fetchall()
    expected = [(normalise.building(a), normalise.street_key(a)) for a in addresses]
    assert got == expected
    assert got == [
        ("7", "DEER CHASE"),
        ("7", "DEER CHASE"),
        ("3", "OLD ST MARY'S WHARF"),
        ("3", "OLD WHARF ROAD"),
        (None, None),
    ]
