"""dbt-duckdb plugin: registers dacall.normalise as DuckDB functions for the dbt models.

Listed under `plugins` in dbt/profiles.yml. Staging models are tables, so analysts reading the
warehouse never need these functions themselves.

The functions are vectorised: DuckDB hands each one a whole Arrow batch of text, and each
distinct value in the batch is normalised once (audit rows repeat the same search text, phone
number and postcode many times), instead of one Python call per row. The results are those of
dacall.normalise itself, so a search and a subject are still normalised by one implementation.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from dacall import normalise

FUNCTIONS: dict[str, Callable[[str | None], str | None]] = {
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


def over_batch(
    function: Callable[[str | None], str | None],
) -> Callable[[pa.Array], pa.Array]:
    """`function` applied to an Arrow batch, once per distinct value in it."""
    # Every function answers NULL for NULL (and for empty text), so a NULL row stays NULL.
    if function(None) is not None:
        raise ValueError(f"{function!r} must map NULL to NULL to be vectorised")

    def normalise_batch(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
        if isinstance(texts, pa.ChunkedArray):
            texts = texts.combine_chunks()
        encoded = texts.cast(pa.string()).dictionary_encode()
        results = pa.array([function(text) for text in encoded.dictionary.to_pylist()], pa.string())
        # take() of a NULL index (a NULL row) is NULL.
        return results.take(encoded.indices)

    return normalise_batch


def register(conn: DuckDBPyConnection) -> None:
    for name, function in FUNCTIONS.items():
        try:
            conn.remove_function(name)
        except Exception:  # noqa: BLE001 - not registered yet on this connection
            pass
        conn.create_function(
            name,
            over_batch(function),
            ["VARCHAR"],
            "VARCHAR",
            type="arrow",
            null_handling="special",
            side_effects=False,
        )


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn)
