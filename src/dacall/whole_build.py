"""A dbt build changes the warehouse whole, or not at all.

dbt commits one model at a time, so a build killed half-way would leave a layer part old and
part new. Each build therefore runs on a copy of the warehouse, in `.building/` beside it (the
same filesystem, so the swap is one rename), and the copy replaces the warehouse only once dbt
has finished without a failure. A build that is killed or that fails leaves the warehouse as it
was; whatever copy a killed build left is removed by the next build, and by an erasure.

The cost is one file copy per build and, while a build runs, twice the warehouse's disk space.
The copy is flushed to disk while dbt builds in it, so that the flush that must come before the
swap writes only what the build changed: on five years of history (a 2.4 GB warehouse) that
flush took 0.7-0.8 s of each build's time, twice a night (docs/benchmarks.md).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dacall.settings import UserError
from dacall.warehouse import connect, owner_only, private_dir

COPY_FOLDER = ".building"


def copy_folder(warehouse: Path) -> Path:
    return Path(warehouse).resolve().parent / COPY_FOLDER


def discard_stale_copy(warehouse: Path) -> None:
    """Remove a copy a killed build left behind (it may hold rows erased since)."""
    shutil.rmtree(copy_folder(warehouse), ignore_errors=True)


def _checkpoint(connection, database: Path) -> None:
    """Fold the write-ahead log into the file, so that the file alone is the database."""
    connection.execute("checkpoint")
    if Path(f"{database}.wal").exists():
        raise UserError(f"{database.name}: its write-ahead log is still there after a checkpoint")


def _settle(database: Path) -> None:
    with connect(database) as connection:
        _checkpoint(connection, database)


def _copy(source: Path, target: Path) -> None:
    """Copy a file inside the kernel with copy_file_range: on five years of history (a 2.8 GB
    warehouse, in the page cache) 1.0-1.1 s against 1.5-1.6 s for shutil.copyfile's sendfile
    (docs/benchmarks.md). Where the call is not supported (another filesystem on an old kernel,
    a filesystem without it), shutil.copyfile makes the copy."""
    with open(source, "rb") as reading, open(target, "wb") as writing:
        left = os.fstat(reading.fileno()).st_size
        try:
            while left > 0:
                copied = os.copy_file_range(reading.fileno(), writing.fileno(), min(left, 1 << 30))
                if copied == 0:  # the file shrank meanwhile: copy what there is the usual way
                    break
                left -= copied
        except OSError:
            left = 1
    if left > 0:
        shutil.copyfile(source, target)


def _flush(path: Path) -> None:
    """Write the file's pages to disk (the file stays in the page cache)."""
    with open(path, "rb") as file:
        os.fsync(file.fileno())


def _flush_meanwhile(path: Path) -> threading.Thread:
    """Start flushing a fresh copy in the background. The flush before the swap is still made:
    this only leaves it less to write."""
    flushing = threading.Thread(target=_flush, args=(path,), name="flush-build-copy", daemon=True)
    flushing.start()
    return flushing


class Build:
    """The copy a build writes (`path`), and the one way it reaches the warehouse."""

    def __init__(self, warehouse: Path, path: Path, flushing: threading.Thread) -> None:
        self.warehouse = warehouse
        self.path = path
        self.flushing = flushing

    def wait_for_flush(self) -> None:
        self.flushing.join()

    def replace_warehouse(self) -> None:
        self.wait_for_flush()
        _settle(self.path)
        _flush(self.path)
        os.replace(self.path, self.warehouse)
        folder = os.open(self.warehouse.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


@contextmanager
def build_in_copy(warehouse: Path) -> Iterator[Build]:
    """A copy of the warehouse to build in; call `replace_warehouse()` to keep what was built.
    The copy is gone afterwards either way. The caller holds the run lock."""
    warehouse = Path(warehouse).resolve()
    discard_stale_copy(warehouse)
    copy = private_dir(copy_folder(warehouse)) / warehouse.name
    # The warehouse stays open (idle) until the copy has replaced it: DuckDB's own lock then
    # keeps every other process out during the build, as when dbt held the file, so no write
    # made meanwhile (an erasure, say) can be lost in the swap.
    try:
        with connect(warehouse) as held:
            _checkpoint(held, warehouse)
            with owner_only():
                _copy(warehouse, copy)
            build = Build(warehouse, copy, _flush_meanwhile(copy))
            try:
                yield build
            finally:
                build.wait_for_flush()  # no flush of a removed copy left running
    finally:
        discard_stale_copy(warehouse)
