"""Real Airflow: the DAGs import, and a run of ingest then transform works on the samples."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import query
from dacall.settings import PROJECT_ROOT

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory, samples):
    home = tmp_path_factory.mktemp("airflow_home")
    env = dict(
        os.environ,
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(PROJECT_ROOT / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        DACALL_LANDING=str(samples),
        DACALL_WAREHOUSE=str(home / "warehouse" / "dacall.duckdb"),
        DACALL_REPORTS=str(home / "reports"),
    )
    for command in (["db", "migrate"], ["pools", "set", "dacall_warehouse", "1", "one writer"]):
        done = subprocess.run(
            [AIRFLOW, *command], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return env


def test_dags_import_without_errors(airflow_env):
    parsed = subprocess.run(
        [AIRFLOW, "dags", "reserialize"],
        env=airflow_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert parsed.returncode == 0, parsed.stderr[-2000:]
    done = subprocess.run(
        [AIRFLOW, "dags", "list-import-errors", "-o", "plain"],
        env=airflow_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "No data found" in done.stdout or done.stdout.strip() == "", done.stdout
    listed = subprocess.run(
        [AIRFLOW, "dags", "list", "-o", "plain"],
        env=airflow_env,
        capture_output=True,
        text=True,
        check=False,
    )
    for dag_id in ("dacall_ingest", "dacall_transform"):
        assert dag_id in listed.stdout


def test_ingest_then_transform_through_airflow(airflow_env):
    for dag_id in ("dacall_ingest", "dacall_transform"):
        done = subprocess.run(
            [AIRFLOW, "dags", "test", dag_id, "2025-07-10"],
            env=airflow_env,
            capture_output=True,
            text=True,
            check=False,
        )
        output = done.stdout + done.stderr
        assert f"DagRun Finished: dag_id={dag_id}" in output and "state=success" in output, output[
            -3000:
        ]
    warehouse = Path(airflow_env["DACALL_WAREHOUSE"])
    # Run for 10 July: the business day 9 July and everything before it was loaded.
    assert query(warehouse, "select count(*) from raw.cc_incidents") == [(3,)]
    assert query(warehouse, "select count(*) from marts.fct_check_reconciliation") == [(11,)]
    assert query(warehouse, "select step from audit.pipeline_runs order by started_at") == [
        ("ingest",),
        ("transform:staging",),
        ("transform:marts",),
    ]
    # The gates and the compliance suite ran inside the DAG and recorded their results.
    suites = {s for (s,) in query(warehouse, "select distinct suite from audit.validation_results")}
    assert {
        "gate_raw_cc_incidents",
        "gate_stg_cc_incidents",
        "compliance_check_reconciliation",
    } <= suites
