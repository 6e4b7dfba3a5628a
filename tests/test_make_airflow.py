"""`make airflow`, the README's way to watch runs, works as written from a fresh shell: the
environment not activated, nothing on PATH but the system's."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

from conftest import live_processes
from dacall.settings import PROJECT_ROOT

COMPONENTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes_of(airflow_home) -> list[int]:
    """Every process started for this Airflow home, whichever session it moved to."""
    marker = f"AIRFLOW_HOME={airflow_home}".encode()
    return live_processes(lambda process: marker in (process / "environ").read_bytes().split(b"\0"))


def _stop(airflow_home, grace: float) -> list[int]:
    """SIGTERM what is left, then SIGKILL what outlives the grace; returns what needed SIGKILL."""
    for pid in _processes_of(airflow_home):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and _processes_of(airflow_home):
        time.sleep(1)
    stubborn = _processes_of(airflow_home)
    for pid in stubborn:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return stubborn


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
        # Airflow's scheduler and its executor's workers can outlive `make airflow` for a while
        # after SIGTERM; left behind, they would load the machine for the tests that follow.
        _stop(tmp_path / "home", grace=60)
    time.sleep(2)
    assert _processes_of(tmp_path / "home") == [], "Airflow processes survived SIGKILL"
    assert _health(port) == {}, "Airflow still answers after make airflow was stopped"
