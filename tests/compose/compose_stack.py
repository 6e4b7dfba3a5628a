"""docker compose, really started: the stack built from this repository's Dockerfile and
docker-compose.yml, on a Docker engine (`make compose-test` starts one if none is running).
(A module of its own, not a second conftest.py, whose name would shadow the suite's.)

The stack runs under its own project name, with an env file, a configuration copy and a landing
folder made for the test; `docker compose down -v` removes it all at the end.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from dacall.settings import PROJECT_ROOT

PROJECT = "dacallci"
PORT = int(os.environ.get("DACALL_COMPOSE_TEST_PORT", "18080"))
SERVICES = ["postgres", "airflow-api-server", "airflow-scheduler", "airflow-dag-processor",
            "airflow-triggerer"]  # fmt: skip
IMAGE = "dacall:latest"
AIRFLOW_UID = 50000  # the image's airflow user (Dockerfile)


def compose_command() -> list[str]:
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail("neither `docker compose` nor `docker-compose` is installed")


class Stack:
    def __init__(self, root: Path):
        self.root = root
        self.landing = root / "landing"
        self.config = root / "config"
        self.env_file = root / "compose.env"
        self.password = secrets.token_hex(12)
        self._token: str | None = None
        self.base = [*compose_command(), "-p", PROJECT, "--env-file", str(self.env_file),
                     "-f", str(PROJECT_ROOT / "docker-compose.yml")]  # fmt: skip

    # --- docker compose and docker ---
    def compose(self, *args: str, timeout: int = 900) -> str:
        done = subprocess.run(
            [*self.base, *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise AssertionError(f"compose {' '.join(args)}: {done.stderr[-2000:]}")
        return done.stdout

    def container(self, service: str) -> str:
        return self.compose("ps", "-q", service).strip()

    def health(self, service: str) -> str:
        cid = self.container(service)
        if not cid:
            return "absent"
        out = subprocess.run(
            ["docker", "inspect", "-f", "{{.State.Status}} {{if .State.Health}}"
             "{{.State.Health.Status}}{{end}}", cid],
            capture_output=True, text=True, check=False,
        ).stdout.split()  # fmt: skip
        return out[1] if len(out) > 1 else (out[0] if out else "absent")

    def wait_healthy(self, timeout: int = 420) -> dict[str, float]:
        started, seen = time.monotonic(), {}
        while time.monotonic() - started < timeout:
            for service in SERVICES:
                if service not in seen and self.health(service) == "healthy":
                    seen[service] = round(time.monotonic() - started)
            if len(seen) == len(SERVICES):
                self._token = None
                return seen
            time.sleep(5)
        states = {s: self.health(s) for s in SERVICES}
        raise AssertionError(f"not healthy after {timeout} s: {states}")

    def volume_python(self, code: str) -> object:
        """Run Python in a throw-away container of the image with the data volumes mounted
        read-only; the code prints one JSON value."""
        mounts = []
        for volume, path in (("warehouse", "/warehouse"), ("reports", "/reports"),
                             ("extracts", "/extracts")):  # fmt: skip
            mounts += ["-v", f"{PROJECT}_{volume}:{path}:ro"]
        done = subprocess.run(
            ["docker", "run", "--rm", "-i", *mounts, IMAGE, "python", "-"],
            input=code, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise AssertionError(done.stderr[-2000:])
        return json.loads(done.stdout.strip().splitlines()[-1])

    def warehouse(self, sql: str, params: list | None = None) -> list[list]:
        code = (
            "import duckdb, json\n"
            "con = duckdb.connect('/warehouse/dacall.duckdb', read_only=True)\n"
            f"rows = con.execute({sql!r}, json.loads({json.dumps(params or [])!r})).fetchall()\n"
            "print(json.dumps(rows, default=str))\n"
        )
        return self.volume_python(code)

    # --- Airflow's REST API ---
    def _request(self, method: str, path: str, body: dict | None = None, auth: bool = True):
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        request = urllib.request.Request(
            f"http://127.0.0.1:{PORT}{path}", method=method, headers=headers,
            data=json.dumps(body).encode() if body is not None else None,
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    def token(self) -> str:
        if self._token is None:
            answer = self._request(
                "POST", "/auth/token", {"username": "admin", "password": self.password}, False
            )
            self._token = answer["access_token"]
        return self._token

    def api(self, method: str, path: str, body: dict | None = None):
        try:
            return self._request(method, path, body)
        except urllib.error.HTTPError as exc:
            if exc.code != 401:
                raise AssertionError(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from exc
            self._token = None  # expired: log in again
            return self._request(method, path, body)

    def runs(self, dag_id: str) -> list[dict]:
        answer = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100&order_by=run_after")
        return answer["dag_runs"]

    def trigger(self, dag_id: str, logical_date: str) -> str:
        run = self.api(
            "POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": logical_date, "conf": {}}
        )
        return run["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def wait_run(self, dag_id: str, run_id: str, timeout: int = 600) -> str:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            state = self.run_state(dag_id, run_id)
            if state in ("success", "failed"):
                return state
            time.sleep(3)
        raise AssertionError(f"{dag_id} {run_id} still {state} after {timeout} s")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
        return self.api("GET", path)["task_instances"]

    def queued_asset_events(self, dag_id: str) -> int:
        """Asset events waiting to start a run of the DAG (the scheduler turns them into a run
        on its next loop, so a DAG with none running may be about to start one)."""
        try:
            return self.api("GET", f"/api/v2/dags/{dag_id}/assets/queuedEvents")["total_entries"]
        except AssertionError as exc:
            if ": 404 " in str(exc):
                return 0
            raise

    def wait_idle(self, dag_id: str, timeout: int = 900) -> list[dict]:
        """Until the DAG has no queued or running run and no asset event waiting to start one,
        twice in a row (asset-triggered runs included): then nothing of it writes."""
        started, quiet = time.monotonic(), 0
        while time.monotonic() - started < timeout:
            runs = self.runs(dag_id)
            idle = all(r["state"] in ("success", "failed") for r in runs)
            quiet = quiet + 1 if idle and not self.queued_asset_events(dag_id) else 0
            if runs and quiet >= 2:
                return runs
            time.sleep(10)
        raise AssertionError(f"{dag_id} not idle after {timeout} s")


def _write_config(folder: Path) -> None:
    """The repository's configuration, with no late-file runs on a clock: the test triggers
    every run itself, so none may start on its own while it runs."""
    shutil.copytree(PROJECT_ROOT / "config", folder)
    schedule = yaml.safe_load((folder / "schedule.yml").read_text())
    schedule["late_file_checks"] = []
    schedule["retry_delay_seconds"] = 10
    (folder / "schedule.yml").write_text(yaml.safe_dump(schedule))


def _write_keys(folder: Path) -> None:
    """Throwaway partner and signing keys, owned by the containers' Airflow user (uid 50000)
    and readable by no one else, as a force would place its real ones."""
    from dacall.extracts import partners
    from dacall.governance.crypto import make_demo_keys

    make_demo_keys(folder, partners())
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, AIRFLOW_UID, AIRFLOW_UID)
        path.chmod(0o700 if path.is_dir() else 0o600)


@pytest.fixture(scope="session", name="stack")
def running_stack():
    root = Path(tempfile.mkdtemp(prefix="dacall-compose-"))
    root.chmod(0o755)  # the containers' airflow user reads the landing folder and the config
    stack = Stack(root)
    stack.landing.mkdir(mode=0o755)
    _write_config(stack.config)
    _write_keys(root / "keys")
    for path in [stack.config, *stack.config.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    values = {
        "POSTGRES_PASSWORD": secrets.token_hex(16),
        "AIRFLOW_JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW_API_SECRET_KEY": secrets.token_hex(32),
        "AIRFLOW_ADMIN_PASSWORD": stack.password,
        "DACALL_PSEUDONYM_KEY": secrets.token_hex(32),
        "DACALL_ENV_FILE": str(stack.env_file),
        "DACALL_LANDING_DIR": str(stack.landing),
        "DACALL_CONFIG_HOST_DIR": str(stack.config),
        "DACALL_KEYS_HOST_DIR": str(root / "keys"),
        "AIRFLOW_PORT": str(PORT),
        "DACALL_REVIEW_PORT": str(PORT + 1),
        # A task whose worker died (the scheduler container killed) is noticed after a minute.
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
    }
    descriptor = os.open(stack.env_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.writelines(f"{key}={value}\n" for key, value in values.items())
    try:
        stack.compose("down", "-v", "--remove-orphans")
        started = time.monotonic()
        stack.compose("build", "-q", timeout=1800)
        stack.build_seconds = round(time.monotonic() - started)
        started = time.monotonic()
        stack.compose("up", "-d")
        stack.healthy_after = stack.wait_healthy()
        stack.up_seconds = round(time.monotonic() - started)
        yield stack
    finally:
        try:
            logs = subprocess.run(
                [*stack.base, "logs", "--no-color", "--tail", "200"],
                cwd=PROJECT_ROOT, capture_output=True, text=True, check=False,
            ).stdout  # fmt: skip
            # Kept for a failed run's post-mortem (build/ is ignored by git).
            (PROJECT_ROOT / "build").mkdir(exist_ok=True)
            (PROJECT_ROOT / "build" / "compose-test.log").write_text(logs)
        finally:
            if not os.environ.get("DACALL_COMPOSE_KEEP"):
                stack.compose("down", "-v", "--remove-orphans")
            shutil.rmtree(root, ignore_errors=True)
