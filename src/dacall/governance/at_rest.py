"""Encryption at rest is the volume's job: DuckDB's own encrypted databases need an extension
these machines cannot install, so the force keeps the warehouse on an encrypted volume
(docs/operations.md). What the pipeline can check, it checks at start-up: the warehouse's
folder belongs to the user running it and nobody else can enter it. If not, it refuses to
start rather than warn, because a warning in a scheduler's log is read by nobody.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dacall.settings import UserError


def check_warehouse_folder(warehouse: Path) -> None:
    """Refuse to run on a warehouse whose folder others can read or enter."""
    folder = Path(warehouse).resolve().parent
    if not folder.exists():
        return  # created owner-only on first use (dacall.warehouse.private_dir)
    info = folder.stat()
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid != os.geteuid():
        raise UserError(f"the warehouse folder {folder} belongs to another user; run as its owner")
    if mode & 0o077:
        raise UserError(
            f"the warehouse folder {folder} can be read by others (mode {mode:o}); "
            f"make it owner-only (chmod 700 {folder}) on an encrypted volume"
        )
