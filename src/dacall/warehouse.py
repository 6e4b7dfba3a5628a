"""The DuckDB warehouse: where it is, how to open it, and the pipeline's own tables.

DuckDB allows one writing process at a time. Everything that writes goes through
`connect(path)` inside one process step (the Airflow tasks that write share a one-slot pool);
readers use `connect(path, read_only=True)`.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from dacall.settings import UserError

DEFAULT_WAREHOUSE = Path("warehouse/dacall.duckdb")

AUDIT_DDL = """
create schema if not exists raw;
create schema if not exists audit;
create table if not exists audit.files_loaded (
    feed varchar not null,
    file_name varchar not null,
    business_date date,
    sha256 varchar not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    delivery integer not null,
    status varchar not null,          -- loaded | rejected
    reason varchar,                    -- why a file was rejected
    loaded_at timestamp not null
);
create table if not exists audit.quarantine (
    feed varchar not null,
    file_name varchar not null,
    sha256 varchar not null,
    line bigint,                       -- null when the whole file was rejected
    rows bigint not null,              -- 1 for a row; every row of a rejected file
    raw_text varchar,                  -- personal data: this schema is restricted
    reason varchar not null,
    quarantined_at timestamp not null
);
-- A person's decision on whether two records are the same person (dacall links): overrides the
-- probabilistic linkage for that pair on every later run.
create table if not exists audit.link_decisions (
    source_l varchar not null,
    record_l varchar not null,
    source_r varchar not null,
    record_r varchar not null,
    decision varchar not null,         -- same | different
    decided_by varchar not null,
    decided_at timestamp not null,
    reason varchar
);
create table if not exists audit.pipeline_runs (
    run_id varchar not null,
    step varchar not null,
    started_at timestamp not null,
    finished_at timestamp,
    status varchar not null,
    detail varchar
);
"""


def private_dir(path: Path) -> Path:
    """Create a folder readable only by its owner (it will hold personal data)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable only by its owner (it holds personal or disclosed data)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if read_only:
        if not path.exists():
            raise UserError(f"warehouse not found: {path} (run `dacall run` first)")
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise UserError(f"cannot open warehouse {path}: {str(exc).splitlines()[0]}") from exc
    try:
        private_dir(path.parent)
    except OSError as exc:
        raise UserError(
            f"cannot create the warehouse folder {path.parent}: {exc.strerror}"
        ) from exc
    old_umask = os.umask(0o077)
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise UserError(f"cannot open warehouse {path}: {str(exc).splitlines()[0]}") from exc
    finally:
        os.umask(old_umask)
    if path.exists():
        os.chmod(path, 0o600)
    con.execute(AUDIT_DDL)
    return con
