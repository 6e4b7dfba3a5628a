"""What the incremental models were built with, so that a change to it rebuilds them.

An incremental model keeps the rows it read on earlier nights (dbt/macros/incremental.sql).
Those rows stay right only while the code and configuration that made them are unchanged: a new
claims vocabulary, a mended normaliser or a new column must reach every row, not only
tonight's. So a build records a fingerprint of everything that decides a model's rows (the dbt
project, the config folder and the dacall package), and a build whose fingerprint differs from
the one recorded for its phase rebuilds from scratch (`--full-refresh`), as `dacall run
--full-refresh` does on demand.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import dacall
from dacall.settings import config_dir, dbt_dir
from dacall.warehouse import connect

# What in the dbt project decides a model's rows (not dbt's own target/ or logs/).
DBT_INPUTS = ("dbt_project.yml", "models", "macros", "seeds")


def _files() -> list[tuple[str, Path]]:
    """Every file that decides a model's rows, named relative to its folder."""
    project = dbt_dir()
    roots = [project / name for name in DBT_INPUTS] + [config_dir(), Path(dacall.__file__).parent]
    found: list[tuple[str, Path]] = []
    for root in roots:
        if root.is_file():
            found.append((root.name, root))
        elif root.is_dir():
            found += [
                (f"{root.name}/{p.relative_to(root)}", p)
                for p in root.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
            ]
    return sorted(found)


def current() -> str:
    digest = hashlib.sha256()
    for name, path in _files():
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def changed_since_last_build(database: Path, phases: list[str], fingerprint: str) -> bool:
    """Whether any of `phases` was last built with something else (or never recorded). Read
    only: the build about to start must find the warehouse's committed state as it was
    (dacall.whole_build)."""
    with connect(database, read_only=True) as con:
        recorded = dict(
            con.execute(
                "select phase, fingerprint from audit.model_builds where phase in "
                "(select unnest(?))",
                [phases],
            ).fetchall()
        )
    return any(recorded.get(phase) != fingerprint for phase in phases)


def record(database: Path, phases: list[str], fingerprint: str) -> None:
    with connect(database) as con:
        con.execute("delete from audit.model_builds where phase in (select unnest(?))", [phases])
        for phase in phases:
            con.execute(
                "insert into audit.model_builds values (?, ?, ?)",
                [phase, fingerprint, datetime.now(UTC).replace(tzinfo=None)],
            )
