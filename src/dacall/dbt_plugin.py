"""dbt-duckdb plugin: gives the dbt models dacall.normalise and the claims parser as DuckDB
functions.

Listed under `plugins` in dbt/profiles.yml. The models call the SQL macros of
dacall/normalise.sql (`normalise_<name>`), which read plain text in SQL and hand the rest to the
Python functions registered here (`dacall_<name>`), and `read_log_entry`, the claims parser.
Staging models are tables, so analysts reading the warehouse never need these functions.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from dacall import normalise

# Each Python function as registered; the macro `normalise_<name>` must give what it gives.
FUNCTIONS = {
    "dacall_surname_key": normalise.surname_key,
    "dacall_forename_initial": normalise.forename_initial,
    "dacall_first_forename": normalise.first_forename_key,
    "dacall_name_readings": normalise.name_readings,
    "dacall_fold": lambda text: normalise.fold_letters(text) or None,
    "dacall_dob_in_text": normalise.dob_in_text,
    "dacall_postcode": normalise.postcode,
    "dacall_building": normalise.building,
    "dacall_street_key": normalise.street_key,
    "dacall_e164": normalise.e164,
}


# What the claims parser reads from one log entry, one element per reading.
READING_FIELDS = (
    "reading",  # claim | unclaimed | none
    "system",
    "subject_type",
    "claimed_result",
    "claim_evidence",
    "claim_doubts",
    "unclaimed_reason",
    "decided_by",
)
READINGS_TYPE = f"STRUCT({', '.join(f'{name} VARCHAR' for name in READING_FIELDS)})[]"


def read_entry(text: str | None) -> list[dict]:
    """Every reading of one log entry (dacall.claims.read_entry): a claim per claim read, the
    reason an entry naming a check claims nothing, or "none", so every entry read is on record."""
    from dacall.claims import read_entry as parse_entry

    claims, unclaimed = parse_entry(text)
    readings = [
        {
            "reading": "claim",
            "system": claim.system,
            "subject_type": claim.subject_type,
            "claimed_result": claim.result,
            "claim_evidence": claim.evidence,
            "claim_doubts": "; ".join(claim.doubts) or None,
        }
        for claim in claims
    ]
    if unclaimed is not None:
        readings.append(
            {"reading": "unclaimed", "unclaimed_reason": unclaimed[0], "decided_by": unclaimed[1]}
        )
    return [
        {name: reading.get(name) for name in READING_FIELDS}
        for reading in readings or [{"reading": "none"}]
    ]


@lru_cache(maxsize=65_536)
def read_entry_json(text: str | None) -> str:
    """read_entry as JSON, which DuckDB turns into its list of structs (the macro
    read_log_entry) faster than it converts Python's dicts. Cached: many entries are the same
    words (a grade, a resource sent)."""
    return json.dumps(read_entry(text), ensure_ascii=False)


def _register(conn: DuckDBPyConnection, name: str, function, returns: str) -> None:
    try:
        conn.remove_function(name)
    except Exception:  # noqa: BLE001 - not registered yet on this connection
        pass
    conn.create_function(
        name, function, ["VARCHAR"], returns, null_handling="special", side_effects=False
    )


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@lru_cache(maxsize=1)
def _normalise_macros() -> str:
    """dacall/normalise.sql with config/address.yml's street words written in."""
    pattern, abbreviations = normalise.street_words()
    entries = ", ".join(f"{_sql_text(k)}: {_sql_text(v)}" for k, v in sorted(abbreviations.items()))
    sql = files("dacall").joinpath("normalise.sql").read_text(encoding="utf-8")
    return sql.replace("__STREET_PATTERN__", _sql_text(pattern)).replace(
        "__STREET_ABBREVIATIONS__", f"map {{{entries}}}"
    )


def create_macros(conn: DuckDBPyConnection, temporary: bool = False) -> None:
    """The normalisation macros and read_log_entry. Kept in the database, where every cursor
    dbt takes for a node sees them: temporary macros would have to be made again for each of the
    build's hundreds of nodes, at about 16 ms each. The macros call the Python functions, so
    they work only where this plugin has registered those (elsewhere they name the missing one).
    Their names are not the Python functions' names, so an earlier dacall, which registered
    Python functions under the dacall_ names, still builds a warehouse that holds them."""
    statements = _normalise_macros() + (
        "\ncreate or replace macro read_log_entry(text) as "
        f"cast(cast(dacall_read_entry_json(text) as json) as {READINGS_TYPE});\n"
    )
    if temporary:
        statements = statements.replace("create or replace macro ", "create or replace temp macro ")
    conn.execute(statements)


def register(conn: DuckDBPyConnection) -> bool:
    """The functions on `conn`. False if the database is read-only, so the macros are temporary
    and each cursor needs its own (create_macros(cursor, temporary=True))."""
    for name, function in FUNCTIONS.items():
        _register(conn, name, function, "VARCHAR")
    _register(conn, "dacall_read_entry_json", read_entry_json, "VARCHAR")
    try:
        create_macros(conn)
    except duckdb.Error:  # a read-only database
        create_macros(conn, temporary=True)
        return False
    return True


def limit_memory(conn: DuckDBPyConnection) -> None:
    """config/resources.yml's memory limit for the build; beyond it DuckDB spills to disk, in
    the warehouse's state folder (owner-only: the tables hold personal data)."""
    from dacall import paths
    from dacall.config_schema import validate_file
    from dacall.warehouse import private_dir

    limit = validate_file("resources.yml")["build_memory_limit"]
    conn.execute(f"set memory_limit = '{limit}'")  # its schema allows only digits and a unit
    conn.execute("set temp_directory = ?", [str(private_dir(paths.state() / "dbt_spill"))])


def never_checkpoint(conn: DuckDBPyConnection) -> None:
    """dbt's commits stay in the write-ahead log until dacall keeps the build whole with one
    checkpoint (dacall.whole_build): no checkpoint when the log grows, none when dbt closes."""
    conn.execute("set checkpoint_threshold = '1000TB'")
    conn.execute("pragma disable_checkpoint_on_shutdown")


class Plugin(BasePlugin):
    macros_in_database = True

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        self.macros_in_database = register(conn)
        limit_memory(conn)
        never_checkpoint(conn)

    def configure_cursor(self, cursor) -> None:
        if not self.macros_in_database:
            create_macros(cursor, temporary=True)
