"""One run at a time on a warehouse, across all its steps.

DuckDB locks the warehouse only while a step has it open: between two steps of a run the file
is free, and a second run could load or build in that gap. A run therefore holds an advisory
lock (flock) on `<warehouse>.run-lock` from its first step to its last. The kernel drops the
lock when the process ends, however it ends (a kill included): a stale lock never blocks the
next run. The file stays; only the lock on it matters.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dacall.settings import UserError
from dacall.warehouse import warehouse_folder


def lock_path(warehouse: Path) -> Path:
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + ".run-lock")


@contextmanager
def run_lock(warehouse: Path, run_id: str, wait_seconds: float = 0) -> Iterator[None]:
    """Hold the warehouse's run lock. If another run holds it: wait up to `wait_seconds`,
    then refuse with one line naming that run (no personal data: a run id, a process id and
    a time)."""
    path = lock_path(warehouse)
    warehouse_folder(warehouse)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(descriptor, 200, 0).decode("ascii", "replace").strip()
                    raise UserError(
                        f"another run is using the warehouse {warehouse} ({holder or 'starting'}); "
                        "this run did nothing: start it again when that one has ended"
                    ) from None
                time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        os.ftruncate(descriptor, 0)
        os.pwrite(
            descriptor, f"run {run_id}, process {os.getpid()}, since {started} UTC".encode(), 0
        )
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
