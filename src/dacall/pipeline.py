"""The pipeline's steps, as the Airflow tasks and `dacall run` both call them.

Each step takes plain paths and returns a small summary of counts: safe for XCom and logs,
with no personal data in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path

from dacall import paths

WAREHOUSE_POOL = "dacall_warehouse"  # one slot: DuckDB allows one writer at a time
RAW_ASSET_URI = "dacall://warehouse/raw"
MARTS_ASSET_URI = "dacall://warehouse/marts"


def ingest_step(
    landing: Path | None = None,
    warehouse: Path | None = None,
    up_to: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    from dacall.ingest.loader import ingest

    result = ingest(
        landing or paths.landing(), warehouse or paths.warehouse(), up_to=up_to, progress=progress
    )
    return {
        "feeds": {name: asdict(tally) for name, tally in sorted(result.feeds.items())},
        "unknown_folders": result.unknown_folders,
        "missing_feeds": result.missing_feeds,
    }
