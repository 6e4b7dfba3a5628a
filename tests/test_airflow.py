"""Real Airflow: the DAGs import, and a run of ingest then transform works on the samples."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import query
from dacall.settings import PROJECT_ROOT

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def airflow(env: dict, *args: str) -> subprocess.CompletedProcess:
    """Run the airflow CLI of this environment; the caller judges the result."""
    return subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, check=False)


def prepared_airflow(home: Path, landing: Path, **more: str) -> dict:
    """The environment of an Airflow of its own in `home` (its database migrated, the
    warehouse pool made) running the DAGs on `landing`, the warehouse and reports in `home`."""
    env = dict(
        os.environ,
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(PROJECT_ROOT / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        DACALL_LANDING=str(landing),
        DACALL_WAREHOUSE=str(home / "warehouse" / "dacall.duckdb"),
        DACALL_REPORTS=str(home / "reports"),
        **more,
    )
    for command in (["db", "migrate"], ["pools", "set", "dacall_warehouse", "1", "one writer"]):
        done = airflow(env, *command)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return env


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory, samples):
    home = tmp_path_factory.mktemp("airflow_home")
    return prepared_airflow(
        home,
        samples,
        DACALL_EXTRACTS=str(home / "extracts"),
        DACALL_PSEUDONYM_KEY="airflow-test-key-for-synthetic-data-0123456789",
    )


def test_dags_import_without_errors(airflow_env):
    parsed = airflow(airflow_env, "dags", "reserialize")
    assert parsed.returncode == 0, parsed.stderr[-2000:]
    done = airflow(airflow_env, "dags", "list-import-errors", "-o", "plain")
    assert done.returncode == 0
    assert "No data found" in done.stdout or done.stdout.strip() == "", done.stdout
    listed = airflow(airflow_env, "dags", "list", "-o", "plain")
    for dag_id in ("dacall_ingest", "dacall_transform", "dacall_extracts"):
        assert dag_id in listed.stdout


PERSONAL = [
    "HARGREAVES",
    "Hargreaves",
    "Chlo",
    "O'NEILL",
    "ONEILL",
    "O'Neill",
    "MENSAH",
    "Abena",
    "03/07/1991",
    "1991-07-03",
    "21/11/1986",
    "1986-11-21",
    "07/03/1991",
    "900412",
    "900733",
    "8012 3456",
    "HIGH STREET",
    "HIGH ST",
    "ST CROSS",
    "ORCHARD LANE",
    "SO23 8AA",
    "so23 8aa",
    "SO23 9PJ",
    "SO51 8GF",
    "Liz Turner",
    "900 988",
    "HC-250214-0412",
    "HC-250214-0415",
    "HC-250709-0088",
]


def test_ingest_then_transform_through_airflow(airflow_env):
    outputs = []
    for dag_id in ("dacall_ingest", "dacall_transform"):
        done = airflow(airflow_env, "dags", "test", dag_id, "2025-07-10")
        output = done.stdout + done.stderr
        outputs.append(output)
        assert f"DagRun Finished: dag_id={dag_id}" in output and "state=success" in output, output[
            -3000:
        ]
    leaked = [t for t in PERSONAL for output in outputs if t in output]
    assert not leaked, f"the task logs hold {leaked}"
    warehouse = Path(airflow_env["DACALL_WAREHOUSE"])
    # Run for 10 July: the business day 9 July and everything before it was loaded.
    assert query(warehouse, "select count(*) from raw.cc_incidents") == [(3,)]
    assert query(warehouse, "select count(*) from marts.fct_check_reconciliation") == [(11,)]
    assert query(warehouse, "select step from audit.pipeline_runs order by started_at") == [
        ("ingest",),
        ("transform:staging",),
        ("transform:marts",),
        ("report",),
    ]
    home = Path(airflow_env["AIRFLOW_HOME"])
    assert (home / "reports" / "report.html").exists()
    assert (home / "reports" / "exceptions.csv").exists()
    # The gates and the compliance suite ran inside the DAG and recorded their results.
    suites = {s for (s,) in query(warehouse, "select distinct suite from audit.validation_results")}
    assert {
        "gate_raw_cc_incidents",
        "gate_stg_cc_incidents",
        "compliance_check_reconciliation",
    } <= suites
    # Triggered with full_refresh, the next transform rebuilds from scratch, as the first did
    # (nothing was built before it); without it, a build reads only what is new.
    done = airflow(
        airflow_env,
        "dags",
        "test",
        "dacall_transform",
        "2025-07-11",
        "--conf",
        '{"full_refresh": true}',
    )
    assert "state=success" in done.stdout + done.stderr, (done.stdout + done.stderr)[-3000:]
    assert (
        query(
            warehouse,
            "select step, detail from audit.pipeline_runs where step like 'transform:%' "
            "order by started_at",
        )
        == [("transform:staging", "built from scratch"), ("transform:marts", "built from scratch")]
        * 2
    )


def _last_state(home: Path, dag_id: str) -> str:
    [(state,)] = query_sqlite(
        home / "airflow.db",
        f"select state from task_instance where dag_id = '{dag_id}' order by end_date desc limit 1",
    )
    return state


def test_a_late_file_check_goes_on_only_when_something_new_landed(airflow_env, tmp_path):
    """The same day's later runs (config/schedule.yml) load files that landed after the nightly
    run, and end skipped, updating no asset (so no transform), when nothing new arrived."""
    home = Path(airflow_env["AIRFLOW_HOME"])
    late_check = "2025-07-10T08:30:00+01:00"
    landing = shutil.copytree(airflow_env["DACALL_LANDING"], tmp_path / "landing")
    env = dict(airflow_env, DACALL_LANDING=str(landing))
    done = airflow(env, "dags", "test", "dacall_ingest", late_check)
    assert "state=success" in done.stdout + done.stderr, (done.stdout + done.stderr)[-3000:]
    assert _last_state(home, "dacall_ingest") == "skipped"
    # A corrected file lands after the night's run: the next check loads it.
    late = landing / "cc_incidents" / "cc_incidents_20250709.csv"
    data = late.read_bytes()
    assert data.endswith(b":05\r\n")
    late.write_bytes(data[:-5] + b":06\r\n")  # a corrected closing time: a new delivery
    done = airflow(env, "dags", "test", "dacall_ingest", "2025-07-10T14:30:00+01:00")
    assert "state=success" in done.stdout + done.stderr
    assert _last_state(home, "dacall_ingest") == "success"


def test_extracts_through_airflow_and_no_personal_data_in_logs_or_xcom(airflow_env):
    done = airflow(airflow_env, "dags", "test", "dacall_extracts", "2025-03-01")
    output = done.stdout + done.stderr
    assert "DagRun Finished: dag_id=dacall_extracts" in output and "state=success" in output, (
        output[-3000:]
    )
    home = Path(airflow_env["AIRFLOW_HOME"])
    for partner in ("marac", "mash", "victim_support", "home_office"):
        assert (home / "extracts" / partner / "2025-02" / "manifest.json").exists(), partner
    warehouse = Path(airflow_env["DACALL_WAREHOUSE"])
    assert query(warehouse, "select count(*) from audit.disclosures") == [(4,)]
    # Everything Airflow itself kept: its task logs and its metadata database (XCom). The
    # warehouse folder beside them is restricted and holds personal data by design.
    kept = [p for p in (home / "logs").rglob("*") if p.is_file()] + [home / "airflow.db"]
    assert any(p.suffix == ".db" for p in kept)
    for path in kept:
        text = path.read_bytes().decode("utf-8", errors="replace")
        leaked = [token for token in PERSONAL if token in text]
        assert not leaked, f"{path.relative_to(home)} holds {leaked}"
    leaked = [token for token in PERSONAL if token in output]
    assert not leaked, f"the task logs hold {leaked}"
    xcom = query_sqlite(home / "airflow.db", "select value from xcom")
    assert xcom and not [t for t in PERSONAL if any(t in str(v) for (v,) in xcom)]


def query_sqlite(path: Path, sql: str):
    import sqlite3

    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
