"""Fault injection for tests/test_faults.py and tests/test_hardening.py, inert unless its
environment variables are set.

A fault point is a name placed in the code where a crash or a race must be survivable:
"after:<step>" between two steps of a run (`dacall.steps`), and points inside a step named
where they stand (e.g. "compliance:recorded"). At a point:

- `DACALL_TEST_KILL_AT=<point>` kills the process, as a power cut or an out-of-memory kill
  would: the test then checks that the warehouse is as before or fully after, and that the next
  run completes;
- `DACALL_TEST_PAUSE_AT=<point>` holds the process there (it touches `<file>.waiting`) until
  the file `DACALL_TEST_PAUSE_FILE` appears, at most five minutes, so that a second run can race
  into the gap (in Airflow: between two tasks, outside the run lock).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

PAUSE_SECONDS = 300


def fault_point(name: str) -> None:
    if os.environ.get("DACALL_TEST_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get("DACALL_TEST_PAUSE_AT") == name:
        go = Path(os.environ["DACALL_TEST_PAUSE_FILE"])
        go.with_name(go.name + ".waiting").touch()
        deadline = time.monotonic() + PAUSE_SECONDS
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def after_step(step: str) -> str:
    """The fault point between step `step` of a run and the next."""
    return f"after:{step}"
