"""The code style the project holds itself to: ruff for Python, SQLFluff for the dbt SQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dacall.settings import PROJECT_ROOT

BIN = Path(sys.executable).parent


def test_ruff_passes():
    done = subprocess.run(
        [BIN / "ruff", "check", "src", "tests", "dags"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]


def test_sqlfluff_passes_on_every_model():
    done = subprocess.run(
        [BIN / "sqlfluff", "lint", "models"],
        cwd=PROJECT_ROOT / "dbt",
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
