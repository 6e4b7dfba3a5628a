"""A dbt build changes the warehouse whole, or not at all.

dbt commits one model at a time, so a build killed half-way would leave a layer part old and
part new. Each build therefore writes the warehouse through a second name of its file: a hard
link in `.building/` beside it. DuckDB keeps a database's write-ahead log beside the name it was
opened by, and dbt's connections never checkpoint (dacall.dbt_plugin), so every model dbt
commits goes to `.building/<name>.wal` and to blocks the warehouse's committed state does not
use. Whoever opens the warehouse by its own name meanwhile (after a killed build, say) reads the
state it had before the build. When dbt has finished without a failure, one checkpoint through
the link folds the log into the file: the build is there whole. A build that fails or is killed
leaves its log in `.building/`, which the next build, and an erasure, remove unread.

The checkpoint is best made by the process that wrote the build, dbt's, through the database
it still has open (`keep_in_place`): any other process must first read the whole log again
(0.7 s of a 1.5 s keep after a force-year's full build, docs/benchmarks.md). It makes the same
checks first, and leaves the new headers in `.building/kept` for the build to know its own
checkpoint from another's; where it could not keep the build, `replace_warehouse` does as
before.

Each build used to copy the whole warehouse instead (2.5 GB at five years of history, twice a
night, 1 to 13 s a copy on the development machine, and twice the warehouse's disk space while
dbt ran: docs/benchmarks.md). DuckDB's committed state is its file header and two database
headers, one of which each checkpoint rewrites; the build checks they are as it found them before
it keeps what dbt wrote, so a checkpoint made during the build (by a DuckDB that ignored the
settings, or by another process) is an error, never a silent half build.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dacall.settings import UserError
from dacall.warehouse import connect, private_dir

BUILD_FOLDER = ".building"
KEPT_FILE = "kept"  # in the build folder: the headers the writer's own checkpoint left
# DuckDB's file header and its two database headers (4 KiB each): a checkpoint rewrites one.
HEADERS_BYTES = 3 * 4096


def build_folder(warehouse: Path) -> Path:
    return Path(warehouse).resolve().parent / BUILD_FOLDER


def build_name(warehouse: Path) -> Path:
    """The second name of the warehouse's file that a build writes it by."""
    return build_folder(warehouse) / Path(warehouse).name


def discard_stale_build(warehouse: Path) -> None:
    """Remove what a killed or failed build left: its name for the warehouse and its log, which
    holds rows that must not reach the warehouse (a half build, or rows erased since)."""
    shutil.rmtree(build_folder(warehouse), ignore_errors=True)


def _log_of(database: Path) -> Path:
    """The write-ahead log DuckDB keeps for the database opened by this name."""
    return Path(f"{database}.wal")


def _checkpoint(connection, database: Path) -> None:
    """Fold the write-ahead log into the file, so that the file alone is the database."""
    connection.execute("checkpoint")
    if _log_of(database).exists():
        raise UserError(f"{database.name}: its write-ahead log is still there after a checkpoint")


def _committed_state(database: Path) -> bytes:
    with open(database, "rb") as file:
        return file.read(HEADERS_BYTES)


def _refusal(warehouse: Path, path: Path, found: bytes) -> str | None:
    """Why the build written through `path` must not be kept, if it must not: its name was
    removed, or the warehouse was written by another process since it started (`found`: its
    committed state then)."""
    if not (path.exists() and os.path.samefile(path, warehouse)):
        return (
            f"{warehouse.name}: the build's name for it was removed while dbt built "
            "(an erasure, say); nothing was changed: run again"
        )
    if _committed_state(warehouse) != found or _log_of(warehouse).exists():
        return (
            f"{warehouse.name} was written by another process while dbt built it, so "
            "its models may be part old, part new: run again (--full-refresh rebuilds every "
            "model)"
        )
    return None


def keep_in_place(connection, keep: dict) -> bool:
    """In the process that wrote the build (`keep`: Build.keep_request), through its open
    `connection`: the build kept, after the checks replace_warehouse makes. False where it was
    not (replace_warehouse then tries, and says why not)."""
    warehouse, path = Path(keep["warehouse"]), Path(keep["path"])
    if _refusal(warehouse, path, bytes.fromhex(keep["found"])) is not None:
        return False
    _checkpoint(connection, path)
    with open(build_folder(warehouse) / KEPT_FILE, "w") as kept:
        kept.write(_committed_state(warehouse).hex())
    return True


class Build:
    """The name a build writes the warehouse by (`path`), and the one way its work is kept."""

    def __init__(self, warehouse: Path, path: Path) -> None:
        self.warehouse = warehouse
        self.path = path
        self.found = _committed_state(warehouse)

    def keep_request(self) -> dict:
        """What the process writing the build needs to keep it itself (keep_in_place)."""
        return {"warehouse": str(self.warehouse), "path": str(self.path), "found": self.found.hex()}

    def kept_in_place(self) -> bool:
        """Whether the writer kept the build (keep_in_place): the headers it left are the
        warehouse's, and the log is folded in."""
        kept = build_folder(self.warehouse) / KEPT_FILE
        return (
            kept.exists()
            and kept.read_text() == _committed_state(self.warehouse).hex()
            and not _log_of(self.path).exists()
            and not _log_of(self.warehouse).exists()
        )

    def replace_warehouse(self) -> None:
        """Keep the build: one checkpoint through the build's name (DuckDB writes the file and
        syncs it before it rewrites a header, so a kill at any point leaves either state),
        unless the writer made it already (keep_in_place)."""
        if self.kept_in_place():
            return
        refusal = _refusal(self.warehouse, self.path, self.found)
        if refusal is not None:
            raise UserError(refusal)
        with connect(self.path) as con:
            _checkpoint(con, self.path)


@contextmanager
def build_whole(warehouse: Path) -> Iterator[Build]:
    """The warehouse under the name a build writes it by; call `replace_warehouse()` to keep
    what was built. The name and the build's log are gone afterwards either way. The caller
    holds the run lock, which keeps other runs out. Other writers (an erasure, a review outcome)
    find the warehouse locked by DuckDB while dbt has it open; one that writes in the moments
    before dbt opens it or after dbt ends makes `replace_warehouse` refuse the build."""
    warehouse = Path(warehouse).resolve()
    discard_stale_build(warehouse)
    with connect(warehouse) as held:
        _checkpoint(held, warehouse)
    private_dir(build_folder(warehouse))
    path = build_name(warehouse)
    os.link(warehouse, path)
    try:
        yield Build(warehouse, path)
    finally:
        discard_stale_build(warehouse)
