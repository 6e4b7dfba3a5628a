"""The Great Expectations file context in expectations/ (committed: config and suites)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from dacall.settings import PROJECT_ROOT

EXPECTATIONS_DIR = Path(os.environ.get("DACALL_EXPECTATIONS_DIR", PROJECT_ROOT / "expectations"))


def get_context(reports: Path | None = None):
    """The file context, its results and Data Docs written under `reports` (default: the
    configured reports folder). Call it, and write through it, inside `owner_only()`."""
    import great_expectations as gx

    from dacall import paths
    from dacall.warehouse import private_dir

    # Results and Data Docs hold incident references: they go to the restricted report folder,
    # never into the repository, in folders only their owner can open.
    reports = Path(reports or paths.reports())
    os.environ["DACALL_DATA_DOCS_DIR"] = str(private_dir(reports / "data_docs"))
    os.environ["DACALL_GX_RESULTS_DIR"] = str(private_dir(reports / "gx_validations"))
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="file", project_root_dir=str(EXPECTATIONS_DIR))
    return context
