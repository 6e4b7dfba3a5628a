"""`make demo`: run the pipeline through real Airflow (`airflow dags test`), then summarise.

Airflow's own output goes to a log file under AIRFLOW_HOME; this prints where, and the outcome.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from dacall import paths
from dacall.cli import print_summary

DAGS = ("dacall_ingest", "dacall_transform", "dacall_extracts")
_FINISHED = re.compile(r"DagRun Finished: dag_id=(\S+),.*?state=(\w+)")


FINISHED_STATES = ("success", "failed", "skipped", "upstream_failed", "removed")


def finished_tasks(metadata: Path, dag_id: str, since: datetime) -> list[tuple]:
    """(task, state, seconds) of the DAG's task instances that finished since `since`, read from
    Airflow's SQLite metadata database (read-only, so it never holds up the run)."""
    if not metadata.exists():
        return []
    try:
        con = sqlite3.connect(f"file:{metadata}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return []
    try:
        rows = con.execute(
            "select task_id, map_index, state, duration, end_date from task_instance"
            " where dag_id = ? and end_date is not null order by end_date",
            [dag_id],
        ).fetchall()
    except sqlite3.Error:
        return []  # the database is being written or migrated: next time
    finally:
        con.close()
    return [
        (task if index < 0 else f"{task}[{index}]", state, duration or 0.0)
        for task, index, state, duration, ended in rows
        if state in FINISHED_STATES and _utc(ended) >= since
    ]


def _utc(value: str) -> datetime:
    """A time as Airflow stores it in SQLite (UTC, with or without an offset)."""
    moment = datetime.fromisoformat(str(value))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def run_dag(dag_id: str, run_date: str, log_dir: Path) -> tuple[str, Path, float]:
    """`airflow dags test`, printing each task as it finishes (name, state, seconds)."""
    log_path = log_dir / f"demo-{dag_id}.log"
    metadata = Path(os.environ.get("AIRFLOW_HOME", "airflow_home")) / "airflow.db"
    since = datetime.now(UTC).replace(tzinfo=None)
    started = time.perf_counter()
    shown: set[str] = set()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("airflow")), "dags", "test", dag_id, run_date],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        while True:
            done = process.poll() is not None
            for task, state, seconds in finished_tasks(metadata, dag_id, since):
                if task not in shown:
                    shown.add(task)
                    print(f"    {task:<28} {state:<8} {seconds:6.1f} s", flush=True)
            if done:
                break
            time.sleep(1)
    completed = process
    text = log_path.read_text(errors="replace")
    states = [state for dag, state in _FINISHED.findall(text) if dag == dag_id]
    state = states[-1] if states else f"no run (exit {completed.returncode})"
    return state, log_path, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--date", required=True, help="the Airflow run date (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    log_dir = Path(os.environ.get("AIRFLOW_HOME", "airflow_home")) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"landing:   {paths.landing()}")
    print(f"warehouse: {paths.warehouse()}")
    for dag_id in DAGS:
        print(f"airflow dags test {dag_id} {args.date} ...", flush=True)
        state, log_path, seconds = run_dag(dag_id, args.date, log_dir)
        print(f"  {state} in {seconds:.0f} s (Airflow log: {log_path})", flush=True)
        if state != "success":
            print(f"dacall demo: {dag_id} did not succeed; see {log_path}", file=sys.stderr)
            return 1
    print()
    print_summary(paths.warehouse())
    print(
        f"partner extracts: {paths.extracts()}/<partner>/<period>/ (CSV and Parquet encrypted "
        "to each partner, signed manifest; demo keys in keys/)"
    )
    print(f"report: {paths.reports() / 'report.html'} (exception list: exceptions.csv beside it)")
    print(f"Data Docs: {paths.reports() / 'data_docs' / 'index.html'}")
    print("review queue: `make review` -> http://127.0.0.1:8000/ (log-in demo, printed once)")
    from dacall.review.snapshot import snapshot_path

    # The published snapshot, not the warehouse: a reader of the warehouse would block the
    # nightly writer (README).
    print(f"open the marts: duckdb -readonly {snapshot_path(paths.warehouse())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
