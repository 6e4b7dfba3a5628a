"""The one list of steps (dacall.steps): the compliance suite checks its table exists, and a
run's lock keeps a second run out of the gaps between the first's steps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dacall.run_lock import claim, release, run_lock
from dacall.settings import UserError
from dacall.steps import STEPS, stopped


def test_the_compliance_suite_says_clearly_when_its_mart_does_not_exist(tmp_path):
    from types import SimpleNamespace

    from dacall.validation.run import compliance
    from dacall.warehouse import connect

    con = connect(tmp_path / "w.duckdb")
    try:
        # The check comes before Great Expectations is asked anything: only the connection.
        with pytest.raises(UserError) as raised:
            compliance(SimpleNamespace(con=con))
    finally:
        con.close()
    assert str(raised.value) == (
        "the compliance suite cannot run: marts.fct_check_reconciliation is not in the "
        "warehouse (its marts have not been built; run `dacall run`)"
    )


def test_a_held_run_lock_refuses_a_second_run_naming_the_first_then_lets_the_next_in(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with run_lock(warehouse, "first-run"):
        with pytest.raises(UserError) as raised:
            with run_lock(warehouse, "second-run", wait_seconds=0.3):
                pass
    message = str(raised.value)
    assert message.startswith(f"another run is using the warehouse {warehouse} (run first-run,")
    assert "\n" not in message
    with run_lock(warehouse, "third-run"):
        pass


def test_a_step_whose_input_was_not_built_is_skipped_with_its_reason():
    marts_without_reconciliation = {"models": [{"name": "fct_incidents", "status": "success"}]}
    results = {
        "raw_gates": {"stopped_feeds": ["audit_rms"]},
        "staging_gates": {"stopped_models": []},
        "build_marts": marts_without_reconciliation,
    }
    by_name = {step.name: step for step in STEPS}
    assert by_name["compliance"].skip_reason(results)
    results["compliance"] = None
    assert by_name["publish"].skip_reason(results)
    results["publish"] = None
    assert stopped(results) == [
        "the models downstream of raw.audit_rms were not built (its quality gate failed)",
        "the compliance suite did not run (fct_check_reconciliation was not built)",
        "the report and exception list were not written (their marts were not built)",
    ]


def test_an_airflow_runs_claim_refuses_other_runs_between_its_tasks_until_released(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    claim(warehouse, "airflow-run", timedelta(hours=6))
    with run_lock(warehouse, "airflow-run"):  # its own tasks go in
        pass
    with pytest.raises(UserError) as refused:
        with run_lock(warehouse, "cli-run", wait_seconds=1.5):
            pytest.fail("entered the warehouse under another run's claim")
    assert "Airflow run airflow-run holds it between its tasks" in str(refused.value)
    assert not release(warehouse, "cli-run")  # a run never releases another's claim
    assert release(warehouse, "airflow-run")
    with run_lock(warehouse, "cli-run"):
        pass


def test_a_lapsed_claim_does_not_block_the_next_run(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    claim(warehouse, "airflow-run", timedelta(seconds=-1))  # its scheduler died long ago
    with run_lock(warehouse, "cli-run"):
        pass
