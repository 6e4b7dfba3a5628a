"""Fault injection for tests/test_faults.py, inert unless its environment variables are set.

`DACALL_TEST_KILL_AT=<point>` kills the process at that point inside a step, as a power cut or
an out-of-memory kill would: the test then checks that the warehouse is as before or fully after,
and that the next run completes. The points are named where they are placed.
"""

from __future__ import annotations

import os
import signal


def kill_point(name: str) -> None:
    if os.environ.get("DACALL_TEST_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
