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

A parse made whole (not partially from an older one) is recorded as such beside it
(`whole_parse_of`), with a hash of the project's files and of the parse: the first build of a
new warehouse, which would otherwise parse the project from scratch in case dbt's partial parse
misses a change (dacall.transform.parse_request), starts from a parse recorded whole of the
project exactly as it is, as a build after a night does. The record goes with the parse into
and out of the cache. A partial parse from a parse recorded whole of the same files is whole
too; any other parse leaves no record.

`DACALL_CACHE_DIR=off` turns it off (the fix for a dbt partial-parsing bug that would otherwise
follow into new warehouses); `rm -r ~/.cache/dacall/dbt-parse` empties it. Where the cache
folder cannot be written (a read-only home in a container), nothing is kept and dbt parses as
before.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from importlib.metadata import version
from pathlib import Path

from dacall.settings import UserError, dbt_dir

PARSE_FILE = "partial_parse.msgpack"
# Beside a parse: the hash of the project files it is a whole parse of, and the parse's own hash.
WHOLE_FILE = "partial_parse.whole.json"
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
            record = kept.with_name(WHOLE_FILE)
            if record.exists() and _private(record):
                write_private(mine.with_name(WHOLE_FILE), record.read_bytes())
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
        record = kept.with_name(WHOLE_FILE)
        whole = whole_parse_of(Path(target))
        if kept.exists() and kept.read_bytes() == parse:
            noted = mine.with_name(WHOLE_FILE).read_bytes() if whole else None
            if noted and (not record.exists() or record.read_bytes() != noted):
                write_private(record, noted)
            return
        private_dir(kept.parent)
        if not _private(kept.parent):
            return
        _remove_left_behind(kept.parent)
        # The parse first: a reader between the two writes finds a record that is not its.
        write_private(kept, parse)
        if whole:
            write_private(record, mine.with_name(WHOLE_FILE).read_bytes())
        else:
            record.unlink(missing_ok=True)
    except (OSError, RuntimeError, ImportError, UserError):
        pass


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def whole_parse_of(target: Path) -> str | None:
    """The hash of the project files (dacall.dbt_server.project_digest) of which the target
    folder's parse is a whole parse, if it is recorded as one and is still that parse."""
    record, parse = Path(target) / WHOLE_FILE, Path(target) / PARSE_FILE
    try:
        noted = json.loads(record.read_text())
        if noted["parse_sha256"] == _sha256(parse):
            return noted["project"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def note_parse(whole: dict) -> None:
    """After a parse into the folder `whole["target"]`: record it as a whole parse of the
    project files hashed `whole["project"]` (the project in `whole["project_dir"]` when the parse
    was asked for; None: it may not be whole), if they are still those files."""
    from dacall.dbt_server import project_digest
    from dacall.warehouse import write_private

    target = Path(whole["target"])
    record, parse = target / WHOLE_FILE, target / PARSE_FILE
    try:
        if (
            whole.get("project")
            and parse.exists()
            and project_digest(Path(whole["project_dir"])) == whole["project"]
        ):
            noted = {"project": whole["project"], "parse_sha256": _sha256(parse)}
            write_private(record, json.dumps(noted).encode())
        else:
            record.unlink(missing_ok=True)
    except (OSError, UserError):
        pass


def _remove_left_behind(folder: Path) -> None:
    """The copies write_private had not yet renamed when its process was killed."""
    cutoff = time.time() - _LEFT_BEHIND_AFTER_SECONDS
    for name in (PARSE_FILE, WHOLE_FILE):
        for left in folder.glob(f".{name}.*"):
            if left.lstat().st_mtime < cutoff:
                left.unlink(missing_ok=True)
