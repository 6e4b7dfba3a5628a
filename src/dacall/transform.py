"""Run the dbt project (dbt/) against the warehouse and report per node.

dbt runs in a child process: it holds its DuckDB connection for its whole life, and the
warehouse takes one writer at a time, so it must have closed before anything else opens the
file. Per-node results come from dbt's own artifact, target/run_results.json.

dbt's child processes come from a server that has imported dbt once (dacall.dbt_server).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dacall import dbt_parse_cache, dbt_schedule, dbt_server, paths
from dacall.settings import UserError, dbt_dir

# dbt commands that read the project's variables; config/governance.yml's decisions reach the
# models through them.
VARS_COMMANDS = {"build", "run", "test", "compile", "docs", "show", "seed", "list", "ls"}


@dataclass
class DbtResult:
    success: bool
    statuses: Counter = field(default_factory=Counter)
    nodes: list[dict] = field(default_factory=list)  # name, type, status, seconds, failures
    failures: list[str] = field(default_factory=list)
    # The query of each column_rules test that failed, by the test's name: run again on the
    # build it failed in, it names the rules broken (name_broken_column_rules).
    broken_column_rules: dict[str, str] = field(default_factory=dict)


def dbt_environment(warehouse: Path, target: Path) -> dict[str, str]:
    """dbt runs in the warehouse's folder and opens it by its file name: the build copy and the
    warehouse then have the same profile, so dbt's partial parsing (which a changed profile
    defeats) holds across the builds and `docs generate`. How many models dbt builds at once
    is config/resources.yml's. The linkage keeps its scored pairs beside dbt's target folder
    (the warehouse's state folder, not the build copy's, which goes after the build)."""
    from dacall.config_schema import validate_file
    from dacall.linkage_pairs import PAIR_CACHE

    env = dict(os.environ)
    env["DACALL_WAREHOUSE"] = Path(warehouse).name
    env["DACALL_LINKAGE_PAIRS"] = str(Path(target).resolve().parent / PAIR_CACHE)
    env["DACALL_BUILD_THREADS"] = str(validate_file("resources.yml")["build_threads"])
    # dbt's static parser runs in threads of its own (Rust), which a fork does not copy: a dbt
    # child of the server (dacall.dbt_server) that parsed after the server had used it waited
    # for them for ever. Without it dbt reads each model with Jinja, in the same time here.
    env["DBT_STATIC_PARSER"] = "false"
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("DO_NOT_TRACK", "1")
    return env


def column_rule_tests() -> list[str]:
    """The kinds of column test (not_null, accepted_values) that the pipeline's builds run
    together, in one test per model (the generic test column_rules), instead of one node each:
    dbt_project.yml's variable column_rule_tests."""
    from dacall.rules import dbt_var

    return list(dbt_var("column_rule_tests"))


def dbt_target(warehouse: Path) -> Path:
    return paths.state(warehouse) / "dbt_target"


# The parse last asked for ahead of a run's builds, by target folder: (project hash, whether
# from scratch). parse_request.
_AHEAD: dict[str, tuple[str, bool]] = {}

# dbt commands that start from the parsed project, which the dbt server can keep for them.
PARSED_COMMANDS = {"build", "run", "test", "compile", "docs", "show", "seed"}


def _common_args(target: Path, with_vars: bool = True) -> list[str]:
    """The options every dbt command of the pipeline is given, after its own."""
    from dacall.governance import dbt_vars

    project = dbt_dir()
    variables = ["--vars", json.dumps(dbt_vars())] if with_vars else []
    return [
        *variables,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
    ]


def _parse_variant(warehouse: Path) -> str:
    """What else a kept parse must share for dbt to use it: the profile (the warehouse's file
    name, dacall.transform.dbt_environment) and the variables."""
    from dacall.governance import dbt_vars

    return json.dumps([Path(warehouse).name, dbt_vars()], sort_keys=True)


def parse_request(
    warehouse: Path,
    target_path: Path | None = None,
    env: dict[str, str] | None = None,
    from_scratch: bool = False,
    ahead: bool = False,
) -> dict:
    """The parse the commands of `run_dbt(..., warehouse, target_path)` start from, as
    dacall.dbt_server takes it (`env`: their `dbt_environment`, when the caller has it).

    `from_scratch`: the whole project is parsed, not only what changed since the last parse.
    dbt's partial parse can keep a model's configuration as it was though a macro that sets it
    changed (dbt 1.11: when the macro's description changed with it, the models calling it are
    not parsed again), so the build after any change to the project (dacall.model_fingerprint)
    asks for this; its parse is then the one kept for the builds after it. Asked of a target
    folder whose parse is recorded as a whole parse of the project's files exactly as they are
    (dacall.dbt_parse_cache.whole_parse_of: a new warehouse's, from the cache), it starts from
    that parse instead: nothing has changed since for dbt to miss. `ahead`: the parse a run
    asks for before its builds (dacall.pipeline.parse_for_builds); a build that asks to parse
    from scratch after one was made so ahead asks for that same parse, which the server has."""
    from dacall.warehouse import private_dir

    target = private_dir(Path(target_path or dbt_target(warehouse)))
    # A new warehouse's first parse starts from the last one kept (dacall.dbt_parse_cache).
    dbt_parse_cache.start_from_kept(target, _parse_variant(warehouse))
    project = dbt_server.project_digest(dbt_dir())
    whole = dbt_parse_cache.whole_parse_of(target) == project
    made_ahead = _AHEAD.get(str(target)) == (project, True)
    from_scratch = from_scratch and (made_ahead or not whole)
    if ahead:
        _AHEAD[str(target)] = (project, from_scratch)
    args = ["parse", *_common_args(target), "--no-write-json"]
    if from_scratch:
        args.append("--no-partial-parse")
    env = env or dbt_environment(warehouse, target)
    return {
        "args": args,
        "env": env,
        "console": str(private_dir(target / "logs") / "parse.log"),
        "key": dbt_server.parse_key(args, env, project),
        # What the server records of its parse (dacall.dbt_parse_cache.note_parse).
        "whole": {
            "target": str(target),
            "project_dir": str(dbt_dir()),
            "project": project if from_scratch or whole else None,
        },
    }


def run_dbt(
    args: list[str],
    warehouse: Path,
    target_path: Path | None = None,
    parse_from_scratch: bool = False,
    keep: dict | None = None,
) -> DbtResult:
    """`dbt <args>` on the project; results parsed from run_results.json.
    `parse_from_scratch`: as parse_request's `from_scratch`. `keep`: as dacall.dbt_server.run's
    (the build, kept by dbt's process if dbt succeeds)."""
    # dbt's artifacts (run results, the docs site) live in the state folder of the warehouse
    # they describe, so two warehouses never share them and the dbt project is only read.
    from dacall.warehouse import private_dir

    target = private_dir(Path(target_path or dbt_target(warehouse)))
    env = dbt_environment(warehouse, target)
    parse = (
        parse_request(warehouse, target, env, from_scratch=parse_from_scratch)
        if args and args[0] in PARSED_COMMANDS
        else None
    )
    args = [*args, *_common_args(target, with_vars=bool(args) and args[0] in VARS_COMMANDS)]
    results_file = target / "run_results.json"
    results_file.unlink(missing_ok=True)
    console = private_dir(target / "logs") / "console.log"
    # `docs generate` writes the site's manifest and catalog; every other command, its results.
    writes = None if args[0] == "docs" else results_file
    # Each node's last time in a build of this kind, and for a full build the tables' rows,
    # order the build (dacall.dbt_schedule).
    full_refresh = "--full-refresh" in args
    node_seconds = dbt_schedule.record_file(target, full_refresh)
    schedule = None
    if writes:
        rows = dbt_schedule.table_rows(warehouse) if full_refresh else None
        schedule = {"record": str(node_seconds), "rows": rows}
    status = dbt_server.run(
        args,
        Path(warehouse).resolve().parent,
        env,
        console,
        writes,
        schedule,
        parse,
        keep,
    )
    if parse and status >= 0:  # not after a kill, which may have cut dbt's writing short
        dbt_parse_cache.keep(target, _parse_variant(warehouse))
    if not results_file.exists():
        lines = console.read_text(errors="replace").strip().splitlines() if console.exists() else []
        raise UserError(f"dbt {args[0]} did not run: {' | '.join(lines[-3:]) or 'no output'}")
    results = json.loads(results_file.read_text())
    if writes:  # not `docs generate`, whose results time each node's compiling, not its build
        dbt_schedule.record(node_seconds, results)
    return parse_run_results(results, status == 0)


def parse_run_results(results: dict, success: bool) -> DbtResult:
    outcome = DbtResult(success=success)
    for item in results.get("results", []):
        unique_id = item["unique_id"]
        parts = unique_id.split(".")
        kind = parts[0]
        name = parts[2] if kind in ("test", "unit_test") and len(parts) > 2 else parts[-1]
        status = item["status"]
        outcome.statuses[status] += 1
        outcome.nodes.append(
            {
                "name": name,
                "type": kind,
                "status": status,
                "seconds": round(item.get("execution_time") or 0, 2),
                "failures": item.get("failures"),
            }
        )
        if status in ("error", "fail"):
            message = " ".join((item.get("message") or "").split())[:400]
            outcome.failures.append(f"{kind} {name}: {status} {message}")
        if status == "fail" and name.startswith("column_rules_") and item.get("compiled_code"):
            outcome.broken_column_rules[name] = item["compiled_code"]
    return outcome


def name_broken_column_rules(result: DbtResult, database: Path) -> None:
    """Each failed column_rules test's line, which from dbt says only how many rules it found
    broken, with those rules: its own query run again, read-only, on the database it failed on
    (a build's, before the build is thrown away). Columns, rules and counts: never a value."""
    import duckdb

    if not result.broken_column_rules:
        return
    named = {}
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error:
        return  # the lines stay dbt's
    with con:
        for test, query in result.broken_column_rules.items():
            try:
                rows = con.execute(query).fetchall()
            except duckdb.Error:
                continue  # its line stays dbt's
            named[test] = "; ".join(
                f"{column} {rule} ({count} row{'' if count == 1 else 's'})"
                for column, rule, count in sorted(rows)
            )
    result.failures = [
        next(
            (
                f"{line}: {rules}"
                for test, rules in named.items()
                if line.startswith(f"test {test}:")
            ),
            line,
        )
        for line in result.failures
    ]


def build(warehouse: Path, select: str | None = None) -> DbtResult:
    args = ["build"]
    if select:
        args += ["--select", select]
    return run_dbt(args, warehouse)
