"""A process that imports dbt once and runs each dbt command in a child forked from it.

Importing dbt takes about two seconds: more than a night's staging build spends on its models,
and a night runs dbt two or three times. So a run starts this server (`warm_up`, early, while
it does other work); each command is then a fork of a process that has dbt loaded. The server
holds no connection, thread or data, so its fork is clean; its child opens the warehouse,
runs dbt and exits, and the warehouse's one writer is, as before, a child that has ended
before anything else opens the file. (The standard library's `forkserver` does the same, but
imports the run's main script again in every child, which a script without a main guard does
not survive.)

The server reads one JSON request per line on its standard input (the command, its folder,
environment and console file, and where its run results go) and answers each, when its child
has ended, with that child's exit status. It ends at the end of its input, and it is killed
when the process that started it dies; its child, when the server dies: a killed run never
leaves dbt writing (Linux).

    python -m dacall.dbt_server     (started by dacall.transform, not by hand)
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import traceback
from functools import partial
from pathlib import Path

_server: subprocess.Popen | None = None
_lock = threading.RLock()


def die_with_parent(parent: int) -> None:
    """Run in a new process: the kernel kills it when `parent`, the process that started it,
    dies (Linux; elsewhere, as before this server, nothing is asked of the kernel)."""
    if sys.platform != "linux":
        return
    set_parent_death_signal = 1  # PR_SET_PDEATHSIG
    ctypes.CDLL(None).prctl(set_parent_death_signal, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def warm_up() -> subprocess.Popen:
    """This process's dbt server, started if it is not running; returns at once (the server
    imports dbt in its own time)."""
    global _server
    with _lock:
        if _server is None or _server.poll() is not None:
            _server = subprocess.Popen(
                [sys.executable, "-m", "dacall.dbt_server"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                umask=0o077,
                preexec_fn=partial(die_with_parent, os.getpid()),
            )
        return _server


def run(
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    console: Path,
    results: Path | None = None,
    node_seconds: Path | None = None,
) -> int:
    """`dbt <args>` in folder `cwd` with environment `env`, its console output written to
    `console`; dbt's exit status (negative: killed by that signal). One command at a time.
    With `results`, dbt writes its run results there and no other JSON artifact. With
    `node_seconds` (dacall.dbt_schedule's record), dbt starts the longest chain first."""
    request = {"args": args, "cwd": str(cwd), "env": env, "console": str(console)}
    if results:
        request["results"] = str(results)
    if node_seconds:
        request["node_seconds"] = str(node_seconds)
    with _lock:
        server = warm_up()
        try:
            server.stdin.write(json.dumps(request) + "\n")
            server.stdin.flush()
            reply = server.stdout.readline()
        except BrokenPipeError:
            reply = ""
        if not reply:  # the server has died (it could not import dbt, or it was killed)
            server.kill()
            return server.wait() or 1
    return json.loads(reply)["exit"]


def stop() -> None:
    """End the server and wait for it: its children's resource use (the builds' peak memory)
    then counts in this process's `RUSAGE_CHILDREN`."""
    global _server
    with _lock:
        if _server is not None:
            _server.stdin.close()
            _server.wait()
            _server.stdout.close()
            _server = None


def _child(request: dict, server: int) -> int:
    """In the forked child: run the request's dbt command; its exit status."""
    code = 1
    try:
        die_with_parent(server)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        # dbt writes the warehouse (and its write-ahead log, left on disk if dbt is killed)
        # and its artifacts: everything it creates is readable only by its owner.
        os.umask(0o077)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        console = os.open(request["console"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        nothing = os.open(os.devnull, os.O_RDONLY)
        os.dup2(nothing, 0)
        os.dup2(console, 1)
        os.dup2(console, 2)
        os.close(console)
        os.close(nothing)
        if request.get("node_seconds"):
            from dacall import dbt_schedule

            dbt_schedule.install(dbt_schedule.read(Path(request["node_seconds"])))
        code = _dbt(request["args"], request.get("results"))
    except BaseException:  # noqa: BLE001 - reported in the console file, the status says it
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return code


def _dbt(args: list[str], results: str | None) -> int:
    """dbt's command line, in this process; its exit status. With `results`, dbt writes none of
    its JSON artifacts and the run results go to that file: writing the project's manifest (2 MB,
    twice) and graph is half a second of every build, and the docs site, the one thing that
    uses them, gets its own from `docs generate`."""
    import click
    from dbt.cli.exceptions import ResultExit
    from dbt.cli.main import cli

    if results:
        args = [*args, "--no-write-json"]
    outcome = None
    try:
        returned = cli.main(args=args, prog_name="dbt", standalone_mode=False)
        if isinstance(returned, tuple):  # a command ran: (its result, whether it succeeded)
            outcome, success = returned
            code = 0 if success else 1
        else:  # --help, --version: click's exit status
            code = returned or 0
    except ResultExit as failed:  # nodes failed: the results say which
        outcome, code = failed.result, failed.exit_code
    except click.ClickException as refused:  # dbt's own errors, and a command line it refused
        refused.show()
        code = refused.exit_code
    except click.exceptions.Exit as finished:
        code = finished.exit_code
    except click.exceptions.Abort:
        print("Aborted!", file=sys.stderr)
        code = 1
    if results and hasattr(outcome, "write"):
        outcome.write(results)
    return code


def serve() -> None:
    import dbt.adapters.duckdb  # noqa: F401 - loaded once here, for every child
    import dbt.cli.main  # noqa: F401

    # And what the Python models import: Splink and dacall's linkage take about 0.3 s more,
    # on the marts build's critical path every night, where the linkage is.
    import splink  # noqa: F401

    import dacall.dbt_plugin  # noqa: F401
    import dacall.dbt_schedule  # noqa: F401
    import dacall.linkage  # noqa: F401

    # Ctrl-C in a terminal reaches the whole process group: dbt (the child) stops on it, the
    # run that waits for it reports it, and the server has nothing to say.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server = os.getpid()
    for line in sys.stdin:
        request = json.loads(line)
        child = os.fork()
        if child == 0:
            os._exit(_child(request, server))
        _, status = os.waitpid(child, 0)
        sys.stdout.write(json.dumps({"exit": os.waitstatus_to_exitcode(status)}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
