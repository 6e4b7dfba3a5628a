"""Default locations, overridable by environment (the DAGs and the CLI agree on them)."""

from __future__ import annotations

import os
from pathlib import Path

from dacall.settings import PROJECT_ROOT


def _path(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value) if value else default


def landing() -> Path:
    return _path("DACALL_LANDING", PROJECT_ROOT / "data" / "landing")


def warehouse() -> Path:
    return _path("DACALL_WAREHOUSE", PROJECT_ROOT / "warehouse" / "dacall.duckdb")


def reports() -> Path:
    return _path("DACALL_REPORTS", PROJECT_ROOT / "reports")


def extracts() -> Path:
    return _path("DACALL_EXTRACTS", PROJECT_ROOT / "extracts")
