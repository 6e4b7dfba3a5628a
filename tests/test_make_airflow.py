"""`make airflow`, the README's way to watch runs, works as written from a fresh shell: the
environment not activated, nothing on PATH but the system's."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

from dacall.settings import PROJECT_ROOT

COMPONENTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health(port: int) -> dict:
    try:
        url = f"http://127.0.0.1:{port}/api/v2/monitor/health"
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response)
    except (OSError, ValueError):
        return {}


def test_make_airflow_starts_every_component_and_stops(tmp_path):
    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DACALL", "VIRTUAL"))
    }
    env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    env["AIRFLOW__API__PORT"] = str(port)
    log = (tmp_path / "airflow.log").open("w")
    process = subprocess.Popen(
        ["make", "airflow", f"AIRFLOW_HOME={tmp_path / 'home'}", f"DEMO_KEY={tmp_path / 'key'}"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline, health = time.monotonic() + 300, {}
        while time.monotonic() < deadline and process.poll() is None:
            health = _health(port)
            if all(health.get(c, {}).get("status") == "healthy" for c in COMPONENTS):
                break
            time.sleep(3)
        output = (tmp_path / "airflow.log").read_text(errors="replace")[-3000:]
        assert process.poll() is None, f"make airflow stopped:\n{output}"
        assert all(health.get(c, {}).get("status") == "healthy" for c in COMPONENTS), (
            f"{health}\n{output}"
        )
        assert (tmp_path / "home" / "simple_auth_manager_passwords.json.generated").exists()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    assert _health(port) == {}, "Airflow still answers after make airflow was stopped"
