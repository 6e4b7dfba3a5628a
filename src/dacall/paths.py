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


def reports_for(warehouse_file: Path | str | None) -> Path:
    """Where a warehouse's reports go: the configured reports folder for the configured
    warehouse; for any other warehouse, `reports/` beside it, so that a run on one warehouse
    never overwrites the report of another."""
    if warehouse_file is None or Path(warehouse_file).resolve() == warehouse().resolve():
        return reports()
    return Path(warehouse_file).resolve().parent / "reports"
