"""dbt's parse of the project, kept once per machine for every warehouse.

dbt keeps its parse of the project (`partial_parse.msgpack`) in its target folder, which is
each warehouse's own (`state/dbt_target`), so the first build of every new warehouse parsed the
whole project: 2.3 s against 0.6 s from a kept parse (docs/benchmarks.md). The last parse is
therefore also kept in a cache folder, and a target folder without one starts from it.

Nothing is taken on trust: dbt checks a kept parse against the project's files, the variables,
the profile and its own version, and parses again whatever differs (all of it when the
variables, the profile or dbt changed). The cache is per checkout or installation of the
project and per dbt version. It holds the project's code and the variables a run passes, no
data. Where the cache folder cannot be written (a read-only home in a container), nothing is
kept and dbt parses as before.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from importlib.metadata import version
from pathlib import Path

from dacall.settings import UserError, dbt_dir

PARSE_FILE = "partial_parse.msgpack"


def cache_dir() -> Path:
    """`DACALL_CACHE_DIR`, else `$XDG_CACHE_HOME/dacall`, else `~/.cache/dacall`."""
    value = os.environ.get("DACALL_CACHE_DIR")
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dacall"


def _kept_parse() -> Path:
    project = str(dbt_dir().resolve())
    key = hashlib.sha256(f"{project}\0{version('dbt-core')}".encode()).hexdigest()[:16]
    return cache_dir() / "dbt-parse" / key / PARSE_FILE


def start_from_kept(target: Path) -> None:
    """Give a target folder without a parse of its own the last one kept."""
    mine = Path(target) / PARSE_FILE
    if mine.exists():
        return
    try:
        kept = _kept_parse()
        if kept.exists():
            _copy_atomically(kept, mine)
    except (OSError, RuntimeError):  # RuntimeError: no home folder to find the cache in
        pass


def keep(target: Path) -> None:
    """Keep the target folder's parse, if it differs from the one kept."""
    from dacall.warehouse import private_dir

    mine = Path(target) / PARSE_FILE
    try:
        kept = _kept_parse()
        if not mine.exists() or (kept.exists() and kept.read_bytes() == mine.read_bytes()):
            return
        private_dir(kept.parent)
        _copy_atomically(mine, kept)
    except (OSError, RuntimeError, UserError):
        pass


def _copy_atomically(source: Path, target: Path) -> None:
    """A reader sees the old file or the new one, never part of one."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(source, partial)
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
