"""dbt-duckdb plugin: registers dacall.normalise as DuckDB functions for the dbt models.

Listed under `plugins` in dbt/profiles.yml. Staging models are tables, so analysts reading the
warehouse never need these functions themselves.
"""

from __future__ import annotations

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


def register(conn: DuckDBPyConnection) -> None:
    for name, function in FUNCTIONS.items():
        try:
            conn.remove_function(name)
        except Exception:  # noqa: BLE001 - not registered yet on this connection
            pass
        conn.create_function(
            name,
            function,
            ["VARCHAR"],
            "VARCHAR",
            null_handling="special",
            side_effects=False,
        )


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
