"""Where data lives, overridable by environment (the DAGs and the CLI agree on them).

Defaults: in a source checkout, folders of the repository (`data/landing`, `warehouse/`,
`reports/`, `extracts/`); for an installed package, the same names under the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from dacall.settings import PROJECT_ROOT, is_checkout


def _path(variable: str, default: str) -> Path:
    value = os.environ.get(variable)
    if value:
        return Path(value)
    return (PROJECT_ROOT if is_checkout() else Path.cwd()) / default


def landing() -> Path:
    return _path("DACALL_LANDING", "data/landing")


def warehouse() -> Path:
    return _path("DACALL_WAREHOUSE", "warehouse/dacall.duckdb")


def warehouse_or_configured(given: Path | str | None) -> Path:
    """The warehouse a caller named, else the configured one (`DACALL_WAREHOUSE`)."""
    return Path(given or warehouse())


def reports() -> Path:
    return _path("DACALL_REPORTS", "reports")


def extracts() -> Path:
    return _path("DACALL_EXTRACTS", "extracts")


def state(warehouse_path: Path | None = None) -> Path:
    """The run-time state of a warehouse's runs (dbt's artifacts and logs, the working copy of
    the GX context, the linkage's spill files): `DACALL_STATE_DIR`, or `state/` beside the
    warehouse. The code's own folders are never written."""
    value = os.environ.get("DACALL_STATE_DIR")
    if value:
        return Path(value)
    return warehouse_or_configured(warehouse_path).resolve().parent / "state"


def reports_for(warehouse_file: Path | str | None) -> Path:
    """Where a warehouse's reports go: the configured reports folder for the configured
    warehouse; for any other warehouse, `reports/` beside it, so that a run on one warehouse
    never overwrites the report of another."""
    if warehouse_file is None or Path(warehouse_file).resolve() == warehouse().resolve():
        return reports()
    return Path(warehouse_file).resolve().parent / "reports"
