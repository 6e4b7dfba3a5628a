"""`make demo`: run the pipeline through real Airflow (`airflow dags test`), then summarise.

Airflow's own output goes to a log file under AIRFLOW_HOME; this prints where, and the outcome.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from dacall import paths
from dacall.cli import print_summary

DAGS = ("dacall_ingest", "dacall_transform", "dacall_extracts")
_FINISHED = re.compile(r"DagRun Finished: dag_id=(\S+),.*?state=(\w+)")


def run_dag(dag_id: str, run_date: str, log_dir: Path) -> tuple[str, Path, float]:
    log_path = log_dir / f"demo-{dag_id}.log"
    started = time.perf_counter()
    with log_path.open("w") as log:
        completed = subprocess.run(
            [str(Path(sys.executable).with_name("airflow")), "dags", "test", dag_id, run_date],
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
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
    print(
        "open the data: duckdb -readonly " + str(paths.warehouse()) + "   (schemas raw, staging,"
        " intermediate, marts, audit)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
