"""dbt starts the ready node with the longest chain of recorded seconds after it
(dacall.dbt_schedule): the chain's arithmetic, the record a build keeps, and the order of a real
dbt build."""

from __future__ import annotations

import json
import shutil

import duckdb
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


def test_a_full_builds_untimed_model_is_estimated_from_the_rows_it_reads():
    reads = {
        "model.stg_big": [("source.big", "raw.big")],
        "model.stg_two": [("source.small", "raw.small"), ("source.big", "raw.big")],
        "model.int": [("model.stg_big", "staging.stg_big"), ("seed.s", "reference.s")],
    }
    rows = {"raw.big": 1_000_000, "raw.small": 10, "reference.s": 5}
    row, base = dbt_schedule.ROW_SECONDS, dbt_schedule.UNTIMED_MODEL_SECONDS
    # A table not built yet reads as the rows its model reads; one built, as it holds.
    assert dbt_schedule.estimates_from_rows(reads, rows) == pytest.approx(
        {
            "model.stg_big": base + 1_000_000 * row,
            "model.stg_two": base + 1_000_010 * row,
            "model.int": base + 1_000_005 * row,
        }
    )
    built = dbt_schedule.estimates_from_rows(reads, {**rows, "staging.stg_big": 200})
    assert built["model.int"] == pytest.approx(base + 205 * row)
    estimates = dbt_schedule.estimates_from_rows(reads, rows)
    graph = nx.DiGraph([("model.stg_big", "model.mart"), ("model.stg_small", "model.mart")])
    chains = dbt_schedule.remaining_seconds(graph, {"model.mart": 2.0}, estimates)
    # A recorded time wins over an estimate; a model neither records nor estimates is small.
    assert chains["model.stg_big"] == pytest.approx(2.0 + base + 1_000_000 * row)
    assert chains["model.stg_small"] == pytest.approx(2.0 + base)
    chains = dbt_schedule.remaining_seconds(graph, {"model.stg_big": 0.1}, estimates)
    assert chains["model.stg_big"] == pytest.approx(0.1 + base)


def test_full_and_incremental_builds_keep_records_apart(tmp_path):
    assert dbt_schedule.record_file(tmp_path, True) != dbt_schedule.record_file(tmp_path, False)
    assert dbt_schedule.record_file(tmp_path, False) == tmp_path / "node_seconds.json"


def test_table_rows_are_read_without_a_writer(sample_warehouse):
    rows = dbt_schedule.table_rows(sample_warehouse)
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        (audit_rms,) = con.execute("select count(*) from raw.audit_rms").fetchall()[0]
    assert rows["raw.audit_rms"] == audit_rms > 0
    assert dbt_schedule.table_rows(sample_warehouse.parent / "missing.duckdb") == {}


# Rows added to one audit feed of a copy of the samples, each a search of its own (the columns
# its staging model keys a search by made distinct), so that its staging model reads the most.
_GROW_FEED = {
    "audit_pnd": "grown.* replace (event_id || '-' || i as event_id, _line + 1000 * i as _line)",
    "audit_cc": "grown.* replace (_line + 1000 * i as _line)",
}


def _first_model_started(
    sample_warehouse, tmp_path, heaviest: str, full_refresh: bool = False, grow: str = ""
) -> list[str]:
    """Build the staging models of a copy of the samples' warehouse on one thread, with an
    incremental build's record that makes `heaviest` the slowest model (and `grow`'s raw table
    the largest); the models in the order they started."""
    from dacall.transform import run_dbt

    warehouse = tmp_path / heaviest / "dacall.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(sample_warehouse, warehouse)
    if grow:
        with duckdb.connect(str(warehouse)) as con:
            con.execute(
                f"insert into raw.{grow} select {_GROW_FEED[grow]} "
                f"from raw.{grow} as grown, range(1, 500) as t(i)"
            )
    target = tmp_path / heaviest / "target"
    target.mkdir()
    (target / "node_seconds.json").write_text(json.dumps({f"model.dacall.{heaviest}": 100.0}))
    result = run_dbt(
        ["build", "--select", "path:models/staging", "path:seeds",
         "--exclude-resource-type", "unit_test", "--threads", "1",
         *(["--full-refresh"] if full_refresh else [])],
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


@pytest.mark.parametrize("grow", ["audit_pnd", "audit_cc"])
def test_a_full_build_with_no_record_starts_the_model_reading_the_most_rows_first(
    sample_warehouse, tmp_path, grow
):
    # The record of incremental builds says stg_audit_rms is slowest; a full build is not
    # ordered by it, and has no record of its own yet: the raw tables' rows order it.
    models = _first_model_started(
        sample_warehouse, tmp_path, "stg_audit_rms", full_refresh=True, grow=grow
    )
    assert models[0] == f"stg_{grow}"
    target = tmp_path / "stg_audit_rms" / "target"
    full = dbt_schedule.read(dbt_schedule.record_file(target, full_refresh=True))
    assert full[f"model.dacall.stg_{grow}"] > 0  # the full build's own record, kept apart
    increments = dbt_schedule.read(dbt_schedule.record_file(target, full_refresh=False))
    assert increments == {"model.dacall.stg_audit_rms": 100.0}


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
