"""`dacall` ends without tearing down the interpreter (dacall.cli.exit_without_teardown), yet
leaves as `sys.exit` would: its exit code, its output and logs written out, its exit handlers
run (the alert emails waited for), and a thread still working waited for."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _exit_in_child(body: str, tmp_path) -> subprocess.CompletedProcess:
    script = textwrap.dedent(
        """
        import atexit, logging, sys, threading, time
        from dacall.cli import exit_without_teardown
        """
    ) + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def test_the_exit_code_output_logs_and_exit_handlers_survive_it(tmp_path):
    done = _exit_in_child(
        """
        logging.basicConfig(filename="run.log", level=logging.INFO)
        logging.getLogger("dacall").info("logged before the exit")
        atexit.register(lambda: print("exit handler ran", flush=False))
        print("printed, not flushed", end=" ")
        sys.stderr.write("on stderr, not flushed")
        exit_without_teardown(3)
        print("never reached")
        """,
        tmp_path,
    )
    assert done.returncode == 3
    assert done.stdout == "printed, not flushed exit handler ran\n"
    assert done.stderr == "on stderr, not flushed"
    assert "logged before the exit" in (tmp_path / "run.log").read_text()


def test_a_thread_still_working_is_waited_for(tmp_path):
    done = _exit_in_child(
        """
        def work():
            time.sleep(0.5)
            print("the thread finished", flush=True)

        threading.Thread(target=work).start()
        exit_without_teardown(0)
        """,
        tmp_path,
    )
    assert done.returncode == 0
    assert done.stdout == "the thread finished\n"
