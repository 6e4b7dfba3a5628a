"""dbt-duckdb plugin: registers dacall.normalise and the claims parser as DuckDB functions for
the dbt models.

Listed under `plugins` in dbt/profiles.yml. Staging models are tables, so analysts reading the
warehouse never need these functions themselves.
"""

from __future__ import annotations

from functools import lru_cache

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from dacall import normalise

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


@lru_cache(maxsize=65_536)
def read_entry(text: str | None) -> list[dict]:
    """Every reading of one log entry (dacall.claims.read_entry): a claim per claim read, the
    reason an entry naming a check claims nothing, or "none", so every entry read is on record.
    Cached: many entries are the same words (a grade, a resource sent); DuckDB only reads the
    result."""
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


def _register(conn: DuckDBPyConnection, name: str, function, returns: str) -> None:
    try:
        conn.remove_function(name)
    except Exception:  # noqa: BLE001 - not registered yet on this connection
        pass
    conn.create_function(
        name, function, ["VARCHAR"], returns, null_handling="special", side_effects=False
    )


def register(conn: DuckDBPyConnection) -> None:
    for name, function in FUNCTIONS.items():
        _register(conn, name, function, "VARCHAR")
    _register(conn, "dacall_read_entry", read_entry, READINGS_TYPE)


def limit_memory(conn: DuckDBPyConnection) -> None:
    """config/resources.yml's memory limit for the build; beyond it DuckDB spills to disk, in
    the warehouse's state folder (owner-only: the tables hold personal data)."""
    from dacall import paths
    from dacall.config_schema import validate_file
    from dacall.warehouse import private_dir

    limit = validate_file("resources.yml")["build_memory_limit"]
    conn.execute(f"set memory_limit = '{limit}'")  # its schema allows only digits and a unit
    conn.execute("set temp_directory = ?", [str(private_dir(paths.state() / "dbt_spill"))])


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn)
        limit_memory(conn)
