"""dbt starts the ready node with the longest chain of recorded seconds after it
(dacall.dbt_schedule): the chain's arithmetic, the record a build keeps, and the order of a real
dbt build."""

from __future__ import annotations

import json
import shutil

import networkx as nx
import pytest

from dacall import dbt_schedule


def test_a_nodes_chain_is_its_seconds_and_its_slowest_descendants():
    seed, test, big, small, mart = "seed.s", "test.t", "model.big", "model.small", "model.mart"
    graph = nx.DiGraph([(seed, test), (test, big), (big, mart), (small, mart)])
    seconds = {seed: 0.5, test: 0.1, big: 10.0, mart: 2.0, small: 1.0}
    chains = dbt_schedule.remaining_seconds(graph, seconds)
    assert chains == pytest.approx({mart: 2.0, big: 12.0, small: 3.0, test: 12.1, seed: 12.6})
    # A node no build has timed counts as a small one of its kind, not as nothing.
    graph.add_edges_from([("model.new", mart), ("test.new", mart)])
    chains = dbt_schedule.remaining_seconds(graph, seconds)
    assert chains["model.new"] == pytest.approx(2.0 + dbt_schedule.UNTIMED_MODEL_SECONDS)
    assert chains["test.new"] == pytest.approx(2.0 + dbt_schedule.UNTIMED_SECONDS)


def test_the_record_keeps_each_nodes_last_seconds(tmp_path):
    record = tmp_path / "node_seconds.json"
    assert dbt_schedule.read(record) == {}  # no build yet
    dbt_schedule.record(record, {"results": [
        {"unique_id": "model.a", "status": "success", "execution_time": 4.0},
        {"unique_id": "model.b", "status": "success", "execution_time": 1.0},
    ]})  # fmt: skip
    # A night runs some nodes: theirs change, the others keep their last time, and a skipped
    # node (its parent failed) took no time worth keeping.
    dbt_schedule.record(record, {"results": [
        {"unique_id": "model.a", "status": "success", "execution_time": 0.5},
        {"unique_id": "model.b", "status": "skipped", "execution_time": 0.0},
    ]})  # fmt: skip
    assert dbt_schedule.read(record) == {"model.a": 0.5, "model.b": 1.0}
    record.write_text("{not json")
    assert dbt_schedule.read(record) == {}  # a damaged record orders as a first build does


def _first_model_started(sample_warehouse, tmp_path, heaviest: str) -> list[str]:
    """Build the staging models of a copy of the samples' warehouse on one thread, with a
    record that makes `heaviest` the slowest model; the models in the order they started."""
    from dacall.transform import run_dbt

    warehouse = tmp_path / heaviest / "dacall.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(sample_warehouse, warehouse)
    target = tmp_path / heaviest / "target"
    target.mkdir()
    (target / "node_seconds.json").write_text(json.dumps({f"model.dacall.{heaviest}": 100.0}))
    result = run_dbt(
        ["build", "--select", "path:models/staging", "path:seeds",
         "--exclude-resource-type", "unit_test", "--threads", "1"],
        warehouse,
        target_path=target,
    )  # fmt: skip
    assert result.success
    started = sorted(
        (timing["started_at"], node["unique_id"])
        for node in json.loads((target / "run_results.json").read_text())["results"]
        for timing in node["timing"]
        if timing["name"] == "execute"
    )
    return [node.split(".")[-1] for _, node in started if node.startswith("model.")]


@pytest.mark.parametrize("heaviest", ["stg_audit_rms", "stg_audit_pnd"])
def test_the_build_starts_the_model_with_the_longest_recorded_chain_first(
    sample_warehouse, tmp_path, heaviest
):
    # dbt's own order starts every model of the first level (stg_audit_pnd among them) before
    # stg_audit_rms, which waits for a seed and its tests: on one thread, the record alone puts
    # either first. Only the seed and its tests may start before stg_audit_rms.
    models = _first_model_started(sample_warehouse, tmp_path, heaviest)
    assert models[0] == heaviest
    assert {"stg_audit_rms", "stg_audit_pnd", "stg_audit_pnc", "stg_cc_log"} <= set(models)


def test_docs_generate_leaves_the_record_as_the_build_left_it(sample_warehouse, tmp_path):
    """`dbt docs generate` compiles every node and writes run results too: its hundredths of a
    second are not a node's time, and would make the next build's order that of a first one."""
    from dacall.transform import run_dbt

    _first_model_started(sample_warehouse, tmp_path, "stg_audit_rms")
    folder = tmp_path / "stg_audit_rms"
    built = dbt_schedule.read(folder / "target" / "node_seconds.json")
    assert built["model.dacall.stg_audit_rms"] < 100  # the build's own time replaced the 100 s
    docs = run_dbt(["docs", "generate"], folder / "dacall.duckdb", target_path=folder / "target")
    assert docs.success
    assert dbt_schedule.read(folder / "target" / "node_seconds.json") == built
