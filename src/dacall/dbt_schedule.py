"""The order in which dbt starts the nodes that are ready: the longest remaining path first.

dbt gives each node a score, its depth in the graph, and starts the ready node of lowest score,
ties going to the alphabetically first id; and it hands every ready node to its thread pool at
once, whose queue is first come, first served (dbt-core issue 10632 asks for a way to choose).
With two threads the largest models started last: the staging models that wait for a seed's
tests (`stg_audit_rms`, `stg_audit_cc`) are two levels deep, and seeds sort after models, so the
build's longest chain (`stg_audit_rms`, then `int_searches` and the reconciliation) started a
third of the way into a full build.

Here a node's score is how long the longest chain of nodes from it to the end of the build took
in the builds before: its own seconds and those of its slowest descendants (as ninja orders a
build by the critical path of its last one). Each node keeps the seconds of the last build of
the same kind that ran it (`record`, `record_file`): a night's build is ordered by what a night
costs, a full build by what a full build costs (the largest staging model takes a third of a
second in a night and most of a full build). A node with no record counts as a small one of its
kind (UNTIMED_MODEL_SECONDS, UNTIMED_SECONDS), except that in a full build a model counts the
rows of the tables it reads too (ROW_SECONDS; a table not built yet, the rows its model reads):
a first build, which has no record, then starts the staging model of the largest feed first.
Only the order changes: dbt still starts a node only when all it depends on is done, so the
build's results are the same in any order.
"""

from __future__ import annotations

import json
from pathlib import Path

from dacall.warehouse import write_private

# Seconds assumed for a node no build has timed (a first build, a new model or test): a test
# or a seed takes a few hundredths of a second, a model from a fraction of a second to many, so
# on a first build the chain with the most models after it starts first.
UNTIMED_SECONDS = 0.05
UNTIMED_MODEL_SECONDS = 1.0
# Seconds per row read added to an untimed model's estimate in a full build: the order of a
# staging model's cost per raw row here (3-16 microseconds at scale 1, docs/benchmarks.md).
ROW_SECONDS = 5e-6

# The record of each kind of build: a full build (--full-refresh, which a first build is) and an
# incremental one read different amounts of data, so neither's seconds order the other.
RECORD_FILES = {True: "node_seconds_full_refresh.json", False: "node_seconds.json"}


def record_file(target: Path, full_refresh: bool) -> Path:
    """Where the seconds of this kind of build are kept, in dbt's target folder."""
    return Path(target) / RECORD_FILES[full_refresh]


def table_rows(database: Path) -> dict[str, int]:
    """Each table's rows as DuckDB estimates them (from its storage, without a scan), by
    `schema.table`; none if the database cannot be read."""
    import duckdb

    try:
        with duckdb.connect(str(database), read_only=True) as con:
            rows = con.execute(
                "select schema_name, table_name, estimated_size from duckdb_tables()"
            ).fetchall()
    except duckdb.Error:
        return {}
    return {f"{schema}.{table}": int(size or 0) for schema, table, size in rows}


def read(file: Path) -> dict[str, float]:
    """The recorded seconds of each node; none if the file is missing or unreadable."""
    try:
        recorded = json.loads(Path(file).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(recorded, dict):
        return {}
    return {
        str(node): float(seconds)
        for node, seconds in recorded.items()
        if isinstance(seconds, (int, float)) and seconds >= 0
    }


def record(file: Path, run_results: dict) -> None:
    """Keep each node's seconds from a build's run results, with the nodes it did not run as
    they were. Written whole, then renamed into place: a killed build leaves the old record."""
    recorded = read(file)
    for result in run_results.get("results", []):
        if result.get("status") not in ("skipped", None):
            recorded[result["unique_id"]] = round(float(result.get("execution_time") or 0), 3)
    # Owner-only, as everything beside the warehouse is, whatever the umask.
    write_private(file, json.dumps(recorded, sort_keys=True).encode())


def remaining_seconds(
    graph, seconds: dict[str, float], estimates: dict[str, float] | None = None
) -> dict[str, float]:
    """For each node of the dependency graph (networkx, edges from a node to what depends on
    it), its seconds plus the longest chain of seconds after it. A node not in `seconds` takes
    its `estimates` entry, else a small one of its kind."""
    import networkx as nx

    estimates = estimates or {}
    remaining: dict[str, float] = {}
    for node in reversed(list(nx.topological_sort(graph))):
        after = max((remaining[child] for child in graph.successors(node)), default=0.0)
        untimed = UNTIMED_MODEL_SECONDS if node.startswith("model.") else UNTIMED_SECONDS
        remaining[node] = seconds.get(node, estimates.get(node, untimed)) + after
    return remaining


def estimates_from_rows(
    reads: dict[str, list[tuple[str, str]]], rows: dict[str, int]
) -> dict[str, float]:
    """An untimed model's seconds in a full build, from the rows it reads. `reads` maps each
    model to what it reads, as (unique id, `schema.table`); `rows` is table_rows. A table the
    database does not hold yet (a first build) counts as the rows its own model reads."""
    read: dict[str, int] = {}

    def rows_read(model: str) -> int:
        if model not in read:
            read[model] = 0  # a cycle, which dbt does not allow, would end here
            read[model] = sum(
                rows[table] if table in rows else rows_read(node) if node in reads else 0
                for node, table in reads[model]
            )
        return read[model]

    return {model: UNTIMED_MODEL_SECONDS + ROW_SECONDS * rows_read(model) for model in reads}


def _reads(manifest) -> dict[str, list[tuple[str, str]]]:
    """Each model of dbt's manifest and what it reads (sources, models, seeds), as (unique id,
    `schema.table`)."""

    def relation(unique_id: str) -> tuple[str, str] | None:
        if unique_id in manifest.sources:
            source = manifest.sources[unique_id]
            return unique_id, f"{source.schema}.{source.identifier}"
        node = manifest.nodes.get(unique_id)
        return (unique_id, f"{node.schema}.{node.alias}") if node is not None else None

    return {
        unique_id: [read for read in map(relation, node.depends_on.nodes) if read]
        for unique_id, node in manifest.nodes.items()
        if unique_id.startswith("model.")
    }


def install(seconds: dict[str, float], rows: dict[str, int] | None = None) -> bool:
    """Make dbt, in this process, start the ready node with the longest chain first: `seconds`
    as recorded for this kind of build; `rows` (table_rows of the database built, for a full
    build) estimates the untimed models from the rows they read. False, and dbt's own order, if this
    dbt lacks the parts changed here (dbt-core is pinned below 1.12; tests/test_dbt_schedule.py
    checks the order a real build takes)."""
    from dbt.graph.queue import GraphQueue
    from dbt.task.runnable import GraphRunnableTask

    if not all(
        hasattr(owner, name)
        for owner, name in [
            (GraphQueue, "_get_scores"),
            (GraphQueue, "get"),
            (GraphRunnableTask, "run_queue"),
        ]
    ):
        return False

    def longest_chain_first(queue, graph):
        estimates = estimates_from_rows(_reads(queue.manifest), rows) if rows else {}
        # dbt starts the lowest score first; milliseconds keep the scores whole numbers.
        return {
            node: -round(chain * 1000)
            for node, chain in remaining_seconds(graph, seconds, estimates).items()
        }

    take = GraphQueue.get
    run_queue = GraphRunnableTask.run_queue

    def take_when_a_thread_is_free(queue, block=True, timeout=None):
        # dbt takes every ready node off its priority queue at once and hands it to its thread
        # pool, whose own queue is first come, first served: the scores would then only order
        # nodes that became ready together. Taking a node only when a thread is free makes the
        # choice when a thread can start it.
        threads = getattr(queue, "threads", 0)
        with queue.lock:
            while threads and len(queue.in_progress) >= threads:
                queue.some_task_done.wait()
        return take(queue, block, timeout)

    def run_queue_with_its_threads(task, pool):
        task.job_queue.threads = task.config.threads
        return run_queue(task, pool)

    GraphQueue._get_scores = longest_chain_first
    GraphQueue.get = take_when_a_thread_is_free
    GraphRunnableTask.run_queue = run_queue_with_its_threads
    return True
