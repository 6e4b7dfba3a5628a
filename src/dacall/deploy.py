"""The docker compose services' own steps: `init` before Airflow starts, `health` for each
service's health check.

    python -m dacall.deploy init                 migrations, the warehouse pool, the web log-in
    python -m dacall.deploy health COMPONENT     exit 0 when COMPONENT in this container is alive

A component's health is its own heartbeat in Airflow's metadata database (what `airflow jobs
check --local` reads, without the CLI's start-up cost every few seconds); the api-server's is
its health endpoint.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from dacall.pipeline import WAREHOUSE_POOL

JOB_TYPES = {
    "scheduler": "SchedulerJob",
    "dag-processor": "DagProcessorJob",
    "triggerer": "TriggererJob",
}
HEARTBEAT_SECONDS = 60  # alive: a heartbeat within this many seconds
API_HEALTH = "http://localhost:8080/api/v2/monitor/health"


def init() -> int:
    airflow = ["airflow"]
    subprocess.run([*airflow, "db", "migrate"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        [*airflow, "pools", "set", WAREHOUSE_POOL, "1", "DuckDB takes one writer at a time"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    write_admin_password()
    print("airflow-init: database migrated, pool set, web log-in ready")
    return 0


def write_admin_password() -> None:
    """The simple auth manager reads passwords from a JSON file: write the admin's from the
    environment (.env), readable only by the Airflow user."""
    password = os.environ.get("AIRFLOW_ADMIN_PASSWORD")
    target = os.environ.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")
    if not password or not target:
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"admin": password}, handle)


def healthy(component: str) -> bool:
    if component == "api-server":
        try:
            with urllib.request.urlopen(API_HEALTH, timeout=10) as response:
                body = json.load(response)
        except (OSError, ValueError):
            return False
        return body.get("metadatabase", {}).get("status") == "healthy"
    return _heartbeat_age(JOB_TYPES[component]) is not None


def _heartbeat_age(job_type: str) -> float | None:
    """Seconds since this host's running job of the type last beat, if within the limit."""
    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    try:
        with engine.connect() as con:
            age = con.execute(
                text(
                    "select extract(epoch from (now() - latest_heartbeat)) from job"
                    " where state = 'running' and job_type = :type and hostname = :host"
                    " order by latest_heartbeat desc limit 1"
                ),
                {"type": job_type, "host": socket.getfqdn()},
            ).scalar()
    finally:
        engine.dispose()
    return float(age) if age is not None and age < HEARTBEAT_SECONDS else None


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if args == ["init"]:
        return init()
    if len(args) == 2 and args[0] == "health" and args[1] in (*JOB_TYPES, "api-server"):
        return 0 if healthy(args[1]) else 1
    print(f"usage: python -m dacall.deploy init | health {{api-server|{'|'.join(JOB_TYPES)}}}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
