"""The dbt docs site of a warehouse, generated again only when what it shows has changed.

`dbt docs generate` parses the project and reads the warehouse's catalog: about 20 s, most of a
night's publish step. The site shows the project (models, columns, tests, descriptions, the
variables) and the warehouse's tables and their columns, none of which a night's rows change.
So the site keeps, beside it, a fingerprint of the two: the project's (dacall.model_fingerprint)
and the warehouse's columns. When both are as they were, the site is current and is kept.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from dacall import model_fingerprint
from dacall.transform import dbt_target, run_dbt
from dacall.warehouse import connect, write_private

SITE = "static_index.html"
FINGERPRINT = "static_index.fingerprint"


def shown(warehouse: Path) -> str:
    """A fingerprint of what the site shows: the project and every column of the warehouse."""
    with connect(warehouse) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns where table_catalog = current_database() "
            "order by all"
        ).fetchall()
    digest = hashlib.sha256(model_fingerprint.current().encode())
    digest.update(repr(columns).encode())
    return digest.hexdigest()


def publish(warehouse: Path) -> str:
    """The site made current: 'up to date' (kept), 'built' or 'failed'."""
    target = dbt_target(warehouse)
    fingerprint = shown(warehouse)
    recorded = target / FINGERPRINT
    if (target / SITE).exists() and recorded.exists() and recorded.read_text() == fingerprint:
        return "up to date"
    recorded.unlink(missing_ok=True)  # a failed generation leaves no claim of being current
    if not run_dbt(["docs", "generate", "--static"], warehouse).success:
        return "failed"
    write_private(recorded, fingerprint.encode())
    return "built"
