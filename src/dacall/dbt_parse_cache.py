"""dbt's parse of the project, kept for every warehouse of the same user, project and dbt.

dbt keeps its parse of the project (`partial_parse.msgpack`) in its target folder, which is
each warehouse's own (`state/dbt_target`), so the first build of every new warehouse parsed the
whole project: 2.3 s against 0.6 s from a kept parse (docs/benchmarks.md). The last parse is
therefore also kept in a cache folder, and a target folder without one starts from it.

Nothing is taken on trust from the file's content: dbt checks a kept parse against the project's
files, the variables, the profile and its own version, and parses again whatever differs (all of
it when the variables, the profile or dbt changed). A parse is kept per project folder, dbt
version, warehouse file name and variables, since dbt would discard it if any of those differed.
The file holds the project's code and descriptions and hashes of the variables and profile: no
data, no secret. dbt runs a kept parse's code, so the cache is used only if this user owns it
and nobody else can write it.

`DACALL_CACHE_DIR=off` turns it off (the fix for a dbt partial-parsing bug that would otherwise
follow into new warehouses); `rm -r ~/.cache/dacall/dbt-parse` empties it. Where the cache
folder cannot be written (a read-only home in a container), nothing is kept and dbt parses as
before.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from importlib.metadata import version
from pathlib import Path

from dacall.settings import UserError, dbt_dir

PARSE_FILE = "partial_parse.msgpack"
_LEFT_BEHIND_AFTER_SECONDS = 3600


def cache_dir() -> Path | None:
    """`DACALL_CACHE_DIR` (`off`: no cache), else `$XDG_CACHE_HOME/dacall`, else
    `~/.cache/dacall`; a relative path is not used."""
    value = os.environ.get("DACALL_CACHE_DIR")
    if value is not None:
        if value.strip().lower() in ("off", ""):
            return None
        folder = Path(value).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        folder = Path(xdg) / "dacall" if Path(xdg).is_absolute() else Path.home() / ".cache/dacall"
    return folder if folder.is_absolute() else None


def _kept_parse(variant: str) -> Path | None:
    """Where the parse of this project, dbt and `variant` (the warehouse file name and the
    variables) is kept."""
    folder = cache_dir()
    if folder is None:
        return None
    project = str(dbt_dir().resolve())
    key = hashlib.sha256(f"{project}\0{version('dbt-core')}\0{variant}".encode()).hexdigest()
    return folder / "dbt-parse" / key[:24] / PARSE_FILE


def _private(path: Path) -> bool:
    """True when `path` and the folders of the cache above it are this user's, are not links
    and cannot be written by anyone else."""
    cache = cache_dir()
    for part in [path, *path.parents]:
        status = os.lstat(part)
        if stat.S_ISLNK(status.st_mode) or status.st_uid != os.geteuid():
            return False
        if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
        if part == cache:
            return True
    return False


def start_from_kept(target: Path, variant: str) -> None:
    """Give a target folder without a parse of its own the last one kept."""
    from dacall.warehouse import write_private

    mine = Path(target) / PARSE_FILE
    if mine.exists():
        return
    try:
        kept = _kept_parse(variant)
        if kept is not None and kept.exists() and _private(kept):
            write_private(mine, kept.read_bytes())
    except (OSError, RuntimeError, ImportError, UserError):  # RuntimeError: no home folder
        pass


def keep(target: Path, variant: str) -> None:
    """Keep the target folder's parse, if it differs from the one kept."""
    from dacall.warehouse import private_dir, write_private

    mine = Path(target) / PARSE_FILE
    try:
        kept = _kept_parse(variant)
        if kept is None or not mine.exists():
            return
        parse = mine.read_bytes()
        if kept.exists() and kept.read_bytes() == parse:
            return
        private_dir(kept.parent)
        if not _private(kept.parent):
            return
        _remove_left_behind(kept.parent)
        write_private(kept, parse)
    except (OSError, RuntimeError, ImportError, UserError):
        pass


def _remove_left_behind(folder: Path) -> None:
    """The copies write_private had not yet renamed when its process was killed."""
    cutoff = time.time() - _LEFT_BEHIND_AFTER_SECONDS
    for left in folder.glob(f".{PARSE_FILE}.*"):
        if left.lstat().st_mtime < cutoff:
            left.unlink(missing_ok=True)
