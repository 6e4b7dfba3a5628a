"""An installed package works on its own: a wheel in a fresh virtual environment runs the whole
pipeline from any working directory, finds its dbt project, GX suites and configuration inside
the package, and writes nothing into its own folders (the Docker image's code is read-only)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import query
from dacall.settings import PROJECT_ROOT

UV = str(Path(sys.executable).with_name("uv"))


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh environment with the lock's packages and this project's wheel (not editable)."""
    root = tmp_path_factory.mktemp("installed")
    venv = root / "venv"
    for command in (
        [UV, "venv", "--quiet", "--python", sys.executable, str(venv)],
        [UV, "pip", "sync", "--quiet", "--python", str(venv / "bin" / "python"),
         "--require-hashes", str(PROJECT_ROOT / "requirements.lock")],
        [UV, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "--no-deps",
         "--reinstall-package", "dacall", str(PROJECT_ROOT)],
    ):  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
    return venv


def test_an_installed_package_runs_from_anywhere_and_writes_only_its_state(
    installed, samples, tmp_path
):
    package = next((installed / "lib").glob("python3*/site-packages/dacall"))
    assert (package / "_bundled" / "dbt" / "dbt_project.yml").is_file()
    assert not (package / "_bundled" / "dbt" / "target").exists()
    before = _tree(package)
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    landing = shutil.copytree(samples, tmp_path / "landing")
    warehouse = tmp_path / "data" / "dacall.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DACALL_", "VIRTUAL_ENV"))}
    env.update(
        PATH=f"{installed / 'bin'}:/usr/bin:/bin",
        # Configured as a deployment configures it: the warehouse and its reports folder.
        DACALL_WAREHOUSE=str(warehouse),
        DACALL_REPORTS=str(tmp_path / "reports"),
        DACALL_PSEUDONYM_KEY="x" * 40,
    )
    done = subprocess.run(
        [str(installed / "bin" / "dacall"), "run", "--landing", str(landing)],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    # What it prints is its own: no library noise.
    noise = [line for line in (done.stdout + done.stderr).splitlines() if "matplotlib" in line
             or "categorical units" in line or "Warning" in line]  # fmt: skip
    assert not noise, noise
    # The samples' claims were read, reconciled and reported.
    [(claims,)] = query(warehouse, "select count(*) from marts.fct_check_reconciliation")
    assert claims == 11
    assert (tmp_path / "reports" / "report.html").is_file()
    # Run-time state went to the state folder beside the warehouse; the code was only read.
    state = warehouse.parent / "state"
    assert (state / "dbt_target" / "run_results.json").is_file()
    assert (state / "expectations" / "gx" / "great_expectations.yml").is_file()
    assert _tree(package) == before
    assert not list(elsewhere.iterdir()), "the run wrote into its working directory"
