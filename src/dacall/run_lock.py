"""One run at a time on a warehouse, across all its steps.

DuckDB locks the warehouse only while a step has it open: between two steps of a run the file
is free, and a second run could load or build in that gap. A run therefore holds an advisory
lock (flock) on `<warehouse>.run-lock` from its first step to its last. The kernel drops the
lock when the process ends, however it ends (a kill included): a stale lock never blocks the
next run. The file stays; only the lock on it matters.

An Airflow DAG run is several processes, one per task, and a flock cannot outlive a process.
Its first task therefore writes a claim (`<warehouse>.run-claim`: the DAG run's id and an
expiry), a run from outside Airflow (`dacall run`) treats a live claim like a held lock, and its
teardown task removes the claim however the DAG run ended. Airflow's own tasks do not wait on
claims: its one-slot pool orders them, and a task waiting there would hold the pool's slot.
The expiry (config/schedule.yml's `run_claim_hours`) frees the warehouse if even the teardown
never ran.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dacall.settings import UserError
from dacall.warehouse import warehouse_folder, write_private


def lock_path(warehouse: Path) -> Path:
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + ".run-lock")


def claim_path(warehouse: Path) -> Path:
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + ".run-claim")


def _claim_of_another(warehouse: Path, run_id: str) -> str | None:
    """A live claim by another run, described in one line; None when there is none."""
    try:
        claim = json.loads(claim_path(warehouse).read_text(encoding="utf-8"))
        holder, until = str(claim["run_id"]), datetime.fromisoformat(claim["until"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none, or not one this code wrote: the flock still guards each step
    if holder == run_id or until <= datetime.now(UTC):
        return None
    return f"Airflow run {holder} holds it between its tasks until {until:%Y-%m-%d %H:%M} UTC"


@contextmanager
def run_lock(
    warehouse: Path, run_id: str, wait_seconds: float = 0, honour_claims: bool = True
) -> Iterator[None]:
    """Hold the warehouse's run lock. If another run holds it, or holds a live claim on it:
    wait up to `wait_seconds`, then refuse with one line naming that run (no personal data: a
    run id, a process id and a time)."""
    path = lock_path(warehouse)
    warehouse_folder(warehouse)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                holder = _claim_of_another(warehouse, run_id) if honour_claims else None
                if holder is None:
                    break
                fcntl.flock(descriptor, fcntl.LOCK_UN)
            except BlockingIOError:
                holder = os.pread(descriptor, 200, 0).decode("ascii", "replace").strip()
            if time.monotonic() >= deadline:
                raise UserError(
                    f"another run is using the warehouse {warehouse} ({holder or 'starting'}); "
                    "this run did nothing: start it again when that one has ended"
                )
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


def claim(warehouse: Path, run_id: str, hold_for: timedelta, wait_seconds: float = 0) -> str:
    """Claim the warehouse for a run of several processes (an Airflow DAG run) until it releases
    the claim or `hold_for` has passed; waits like `run_lock` for the runs before it."""
    with run_lock(warehouse, run_id, wait_seconds, honour_claims=False):
        until = (datetime.now(UTC) + hold_for).isoformat(timespec="seconds")
        write_private(
            claim_path(warehouse), json.dumps({"run_id": run_id, "until": until}).encode()
        )
    return until


def release(warehouse: Path, run_id: str, wait_seconds: float = 0) -> bool:
    """Remove the run's own claim (never another's); True when there was one."""
    with run_lock(warehouse, run_id, wait_seconds, honour_claims=False):
        path = claim_path(warehouse)
        try:
            holder = json.loads(path.read_text(encoding="utf-8")).get("run_id")
        except (OSError, ValueError, AttributeError):
            return False
        if holder != run_id:
            return False
        path.unlink()
        return True
