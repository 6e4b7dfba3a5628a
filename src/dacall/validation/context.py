"""The Great Expectations file context in expectations/ (committed: config and suites)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from dacall.settings import PROJECT_ROOT

EXPECTATIONS_DIR = Path(os.environ.get("DACALL_EXPECTATIONS_DIR", PROJECT_ROOT / "expectations"))


def get_context():
    import great_expectations as gx

    from dacall import paths

    # Results and Data Docs hold incident references: they go to the restricted report folder,
    # never into the repository.
    os.environ["DACALL_DATA_DOCS_DIR"] = str(paths.reports() / "data_docs")
    os.environ["DACALL_GX_RESULTS_DIR"] = str(paths.reports() / "gx_validations")
    from dacall.warehouse import private_dir

    for variable in ("DACALL_DATA_DOCS_DIR", "DACALL_GX_RESULTS_DIR"):
        private_dir(Path(os.environ[variable]).parent)
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="file", project_root_dir=str(EXPECTATIONS_DIR))
    return context
