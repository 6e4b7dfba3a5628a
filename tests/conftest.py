"""Shared fixtures: the spec's samples, a small generated landing, and warehouses built from
them by the real pipeline (real DuckDB, real dbt)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest

TEST_DATA = Path(__file__).parent / "data"
# The spec's sample feeds and their expected results, kept with the tests (the spec folder is
# the team's, not something a clone of this repository has beside it).
SAMPLES = TEST_DATA / "spec_samples"

# The reconciliation statuses of claims.md, in its order of precedence.
STATUSES = [
    "VERIFIED",
    "VERIFIED_BY_COLLEAGUE",
    "OUTSIDE_WINDOW",
    "WRONG_SUBJECT",
    "NO_AUDIT",
    "NO_SUBJECT",
    "NOT_SEARCHABLE",
]

# A small but complete generated landing: every feed, every defect, both clock changes are
# exercised elsewhere; 40 days is enough for every status to occur many times.
GENERATED_START = date(2025, 3, 10)
GENERATED_DAYS = 40
GENERATED_SCALE = 0.5


@pytest.fixture(scope="session", autouse=True)
def private_outputs(tmp_path_factory):
    """Reports and extracts of the tests go to a temporary folder, never the project's."""
    root = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DACALL_REPORTS", str(root / "reports"))
        patch.setenv("DACALL_EXTRACTS", str(root / "extracts"))
        # dbt's kept parse (dacall.dbt_parse_cache): the run's own, not the user's cache.
        patch.setenv("DACALL_CACHE_DIR", str(root / "cache"))
        patch.delenv("DACALL_PSEUDONYM_KEY_FILE", raising=False)
        patch.setenv("DACALL_PSEUDONYM_KEY", "test-only-key-for-synthetic-data-0123456789")
        # Each partner's age key pair and the force's signing key, made for this run only.
        from dacall.extracts import partners
        from dacall.governance.crypto import make_demo_keys

        patch.setenv("DACALL_KEYS_DIR", str(root / "keys"))
        patch.delenv("DACALL_SIGNING_KEY_FILE", raising=False)
        make_demo_keys(root / "keys", partners())
        yield root


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's, never downloaded: see tests/browser.py) under Playwright."""
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM_ARGS, chromium_path

    executable = chromium_path()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def config_copy(tmp_path, monkeypatch) -> Path:
    """A copy of config/ that dacall reads for this test (and a state folder of its own)."""
    import shutil

    from dacall.settings import PROJECT_ROOT

    folder = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", folder)
    monkeypatch.setenv("DACALL_CONFIG_DIR", str(folder))
    monkeypatch.setenv("DACALL_STATE_DIR", str(tmp_path / "state"))
    return folder


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Path:
    from dacall.generate import generate

    out = tmp_path_factory.mktemp("generated")
    generate(out, start=GENERATED_START, days=GENERATED_DAYS, scale=GENERATED_SCALE, seed=7)
    return out


@pytest.fixture(scope="session")
def force_year(tmp_path_factory) -> tuple[Path, Path]:
    """One force-year at scale 1 (the size the quality targets are set for), loaded and built
    up to the marts: (generated folder, warehouse). The tests on it read the marts only, so the
    compliance suite and the report (run on the samples and the generated weeks) are left out."""
    from dacall.generate import generate
    from dacall.paths import reports_for
    from dacall.steps import STEPS, RunContext, new_run_id, run_steps

    out = tmp_path_factory.mktemp("force-year")
    generate(out, start=date(2025, 1, 1), days=365, scale=1, seed=42)
    warehouse = out / "warehouse" / "dacall.duckdb"
    up_to_marts = STEPS[: [s.name for s in STEPS].index("build_marts") + 1]
    context = RunContext(new_run_id(), out / "landing", warehouse, reports_for(warehouse))
    results = run_steps(context, up_to_marts)
    assert results["build_marts"]["success"], results["build_marts"]["failures"]
    return out, warehouse


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory, samples) -> Path:
    from dacall.pipeline import run_pipeline

    warehouse = tmp_path_factory.mktemp("samples-wh") / "dacall.duckdb"
    run_pipeline(samples, warehouse)
    return warehouse


@pytest.fixture(scope="session")
def generated_run(tmp_path_factory, generated) -> tuple[Path, Path]:
    """The whole pipeline on the generated landing: (warehouse, the reports folder it published:
    report.html, exceptions.csv, Data Docs, dbt docs)."""
    from dacall.pipeline import run_pipeline

    root = tmp_path_factory.mktemp("generated-wh")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DACALL_REPORTS", str(root / "reports"))
        run_pipeline(generated / "landing", root / "dacall.duckdb")
    return root / "dacall.duckdb", root / "reports"


@pytest.fixture(scope="session")
def generated_warehouse(generated_run) -> Path:
    return generated_run[0]


def query(warehouse: Path, sql: str, params=None):
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def live_processes(chosen: Callable[[Path], bool]) -> list[int]:
    """The ids of the live (not zombie) processes for which `chosen(folder)` holds, `folder`
    being the process's /proc folder. A process that ends while it is read is not listed."""
    found = []
    for folder in Path("/proc").iterdir():
        if not folder.name.isdigit():
            continue
        try:
            state = (folder / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if state != "Z" and chosen(folder):
                found.append(int(folder.name))
        except OSError:
            continue
    return found


def ingest_in_child(
    landing: Path,
    warehouse: Path,
    *,
    through: str = "dacall.pipeline:ingest_step",
    prefix: Sequence[str] = (),
    **env: str,
) -> subprocess.CompletedProcess:
    """Ingest `landing` into `warehouse` in a child process, which a test may kill (through
    `env`) or start with fewer powers (`prefix`): by the pipeline's ingest step, or by the
    function `through` names as module:function; the caller judges the result."""
    module, function = through.split(":")
    return subprocess.run(
        [
            *prefix,
            sys.executable,
            "-c",
            f"import sys; from pathlib import Path; from {module} import {function}; "
            f"{function}(Path(sys.argv[1]), Path(sys.argv[2]))",
            str(landing),
            str(warehouse),
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def deliveries_by_night(generated: Path, start: date) -> dict[date, list[tuple[str, str, Path]]]:
    """The generator's deliveries as they arrived (truth/deliveries.csv): night (the day a
    delivery arrived) -> (feed, file name, source path). Files it lists no delivery for (the
    partners' monthly files) arrive the first night."""
    nights: dict[date, list[tuple[str, str, Path]]] = defaultdict(list)
    listed = set()
    with (generated / "truth" / "deliveries.csv").open() as handle:
        for row in csv.DictReader(handle):
            root = (
                generated / "deliveries" / "first"
                if row["delivery"] == "1" and (row["note"].startswith("first delivery"))
                else generated / "landing"
            )
            nights[date.fromisoformat(row["delivered_on"])].append(
                (row["feed"], row["file"], root / row["feed"] / row["file"])
            )
            listed.add((row["feed"], row["file"]))
    for path in sorted((generated / "landing").glob("*/*")):
        if (path.parent.name, path.name) not in listed:
            nights[start + timedelta(days=1)].append((path.parent.name, path.name, path))
    return nights
