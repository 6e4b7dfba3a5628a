"""The published snapshot: the marts copied into a separate DuckDB file after each run.

DuckDB takes one writer or many readers, never both, so anything that reads while the
pipeline may run (the review app, analysts, BI tools) reads this copy, never the warehouse.
The copy is written under a temporary name and swapped in with os.replace: a reader sees the
old file or the new one, never half of one, and an open reader keeps the old file until it
closes.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from dacall.settings import UserError
from dacall.warehouse import private_dir

SNAPSHOT_NAME = "dacall_marts.duckdb"


def snapshot_path(warehouse: Path) -> Path:
    env = os.environ.get("DACALL_SNAPSHOT")
    if env:
        return Path(env)
    return Path(warehouse).resolve().parent / "published" / SNAPSHOT_NAME


def publish_snapshot(warehouse: Path, run_id: str | None = None) -> tuple[Path, int]:
    """Copy every table of the marts schema into the snapshot; returns (path, tables)."""
    target = snapshot_path(warehouse)
    private_dir(target.parent)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    old_umask = os.umask(0o077)
    try:
        con = duckdb.connect(str(temporary))
    finally:
        os.umask(old_umask)
    try:
        con.execute("attach ? as warehouse (read_only)", [str(Path(warehouse).resolve())])
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where database_name = 'warehouse' "
                "and schema_name = 'marts' order by table_name"
            ).fetchall()
        ]
        if not tables:
            raise UserError(f"no marts to publish in {warehouse}: run `dacall run` first")
        con.execute("create schema marts")
        for table in tables:
            con.execute(f'create table marts."{table}" as select * from warehouse.marts."{table}"')
        con.execute(
            "create table marts.published as select current_timestamp::timestamp as published_at, "
            "?::varchar as run_id",
            [run_id],
        )
        con.execute("detach warehouse")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        temporary.unlink(missing_ok=True)
        raise
    con.close()
    os.chmod(temporary, 0o600)
    os.replace(temporary, target)
    return target, len(tables)
