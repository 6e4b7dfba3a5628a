"""The Great Expectations file context.

The suites and GX's configuration are committed under expectations/gx and only read at run
time: each run validates with a fresh working copy of them in the warehouse's state folder, so
GX's own writes never touch the code (which is read-only in the Docker image).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from dacall.settings import expectations_dir

# In the reports folder: GX's results store, and where results older than the Data Docs index
# shows are moved (dacall.validation.run.archive_results_beyond_index).
RESULTS_FOLDER = "gx_validations"
RESULTS_ARCHIVE = "gx_validations_archive"
DATA_DOCS_FOLDER = "data_docs"


def validation_result_folders(reports: Path) -> list[Path]:
    """Where a validation's files are under a reports folder, each in a folder of its own
    (<suite>/<run name>/<run time>): GX's results store, the results moved out of it
    (dacall.validation.run.archive_results_beyond_index) and the Data Docs pages."""
    return [
        reports / RESULTS_FOLDER,
        reports / RESULTS_ARCHIVE,
        reports / DATA_DOCS_FOLDER / "validations",
    ]


def skip_frame_fingerprints() -> None:
    """Stop GX fingerprinting each DataFrame it validates. For every frame under a gigabyte GX
    hashes every value (pandas' hash, then MD5) only to label the batch in its result
    (`pandas_data_fingerprint`), as it already does not for larger frames: 2.1 s of the 7.9 s
    of a force-year's first raw gates. dacall names each result by its run, suite and table
    instead. If GX drops this setting, the assignment does nothing and the frames are hashed
    again (tests/test_validation.py finds the label back in the results)."""
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


def get_context(state_dir: Path | None = None, reports: Path | None = None):
    """The GX context: a working copy under `state_dir`, or (for the developer tool that
    rewrites the committed suites) the committed one itself; its results and Data Docs are
    written under `reports` (default: the configured reports folder). Call it, and write
    through it, inside `owner_only()`."""
    import great_expectations as gx

    from dacall import paths
    from dacall.warehouse import private_dir

    # Results and Data Docs hold incident references: they go to the restricted report folder,
    # never into the repository, in folders only their owner can open.
    reports = Path(reports or paths.reports())
    # Given to GX alone (its runtime environment), not set in this process's environment: the
    # dbt commands of the run inherit that, and dbt parses the project again when it changes
    # (0.3 s before a night's staging build, when these were set there).
    folders = {
        "DACALL_DATA_DOCS_DIR": str(private_dir(reports / DATA_DOCS_FOLDER)),
        "DACALL_GX_RESULTS_DIR": str(private_dir(reports / RESULTS_FOLDER)),
    }
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    root = expectations_dir()
    if state_dir is not None:
        working = private_dir(Path(state_dir)) / "expectations"
        shutil.rmtree(working, ignore_errors=True)
        shutil.copytree(root / "gx", working / "gx", ignore=shutil.ignore_patterns("uncommitted"))
        root = working
    return gx.get_context(mode="file", project_root_dir=str(root), runtime_environment=folders)
