"""A process that imports dbt once and runs each dbt command in a child forked from it.

Importing dbt takes about two seconds: more than a night's staging build spends on its models,
and a night runs dbt two or three times. So a run starts this server (`warm_up`, early, while
it does other work); each command is then a fork of a process that has dbt loaded. The server
holds no connection or thread, so its fork is clean; its child opens the warehouse, runs dbt
and exits, and the warehouse's one writer is, as before, a child that has ended before anything
else opens the file. (The standard library's `forkserver` does the same, but imports the run's
main script again in every child, which a script without a main guard does not survive.)

dbt also reads the project before each command (its partial parse: 0.7-0.9 s a command in a
fresh child). The server reads it once instead (`prepare`, which a run asks for as it takes the
run lock) and keeps the parsed project in memory, so each child starts from it. A parse is kept
under a key of everything it read (`parse_key`: the project's files, the variables, the
environment and the paths on dbt's command line), and a command whose key differs is parsed
again first: a changed model is never built from an older parse. A parse reads files only; it
opens no database.

The server reads one JSON request per line on its standard input (the command, its folder,
environment and console file, where its run results go, and the parse it starts from) and
answers each, when its child has ended, with that child's exit status (a parse asked for alone,
once it is made). It ends at the end of its input, and it is killed
when the process that started it dies; its child, when the server dies: a killed run never
leaves dbt writing (Linux).

    python -m dacall.dbt_server     (started by dacall.transform, not by hand)
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import traceback
from functools import partial
from pathlib import Path

# What a command's console says when it kept the build it wrote (`_keep_build`).
KEPT_BY_DBT = "dacall: the build was kept by dbt's own process"

_server: subprocess.Popen | None = None
_unanswered = 0  # requests whose replies the next command reads first (`prepare`)
_lock = threading.RLock()
# In the server: the project as dbt parsed it, and the key it was parsed under.
_parsed: dict = {}


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
    global _server, _unanswered
    with _lock:
        if _server is None or _server.poll() is not None:
            _unanswered = 0
            _server = subprocess.Popen(
                [sys.executable, "-m", "dacall.dbt_server"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                umask=0o077,
                preexec_fn=partial(die_with_parent, os.getpid()),
            )
        return _server


def project_digest(project: Path) -> str:
    """Every file of the dbt project `project` but dbt's own output, as one hash."""
    digest = hashlib.sha256()
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if path.is_file() and relative.parts[0] not in ("target", "logs", "dbt_packages"):
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def parse_key(args: list[str], env: dict[str, str], project: str) -> str:
    """What a parse of the project by `dbt <args>` depends on: the command line (the variables
    and paths it gives), the environment, and every file of the project but dbt's own output
    (`project`: their project_digest)."""
    digest = hashlib.sha256(json.dumps([args, sorted(env.items())]).encode())
    digest.update(project.encode())
    return digest.hexdigest()


def prepare(parse: dict) -> None:
    """Have the server parse the project now, while this process does other work; returns at
    once. `parse` is `{"args": ["parse", ...], "env": ..., "console": ..., "key": parse_key}`,
    as the commands that follow will give it."""
    global _unanswered
    with _lock:
        server = warm_up()
        try:
            server.stdin.write(json.dumps({"parse": parse}) + "\n")
            server.stdin.flush()
            _unanswered += 1
        except BrokenPipeError:  # the next command finds the server dead and says so
            pass


def run(
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    console: Path,
    results: Path | None = None,
    schedule: dict | None = None,
    parse: dict | None = None,
    keep: dict | None = None,
) -> int:
    """`dbt <args>` in folder `cwd` with environment `env`, its console output written to
    `console`; dbt's exit status (negative: killed by that signal). One command at a time.
    With `keep` (dacall.whole_build.Build.keep_request), a command that succeeds keeps the
    build it wrote.
    With `results`, dbt writes its run results there and no other JSON artifact. With
    `schedule` ({"record": dacall.dbt_schedule's record file, "rows": its table_rows or
    nothing}), dbt starts the longest chain first. With `parse` (as `prepare` takes it), the
    command starts from the server's parse of the project, made first if the server holds none
    under that key."""
    global _unanswered
    request = {"args": args, "cwd": str(cwd), "env": env, "console": str(console)}
    if results:
        request["results"] = str(results)
    if schedule:
        request["schedule"] = schedule
    if parse:
        request["parse"] = parse
    if keep:
        request["keep"] = keep
    with _lock:
        server = warm_up()
        try:
            server.stdin.write(json.dumps(request) + "\n")
            server.stdin.flush()
            while _unanswered:  # a parse asked for earlier is answered first
                server.stdout.readline()
                _unanswered -= 1
            reply = server.stdout.readline()
        except BrokenPipeError:
            reply = ""
        if not reply:  # the server has died (it could not import dbt, or it was killed)
            _unanswered = 0
            server.kill()
            return server.wait() or 1
    return json.loads(reply)["exit"]


def kill() -> None:
    """Kill the server at once, and its dbt child with it, from any thread (a command waiting
    for it then returns the kill's status)."""
    server = _server
    if server is not None:
        server.kill()


def stop() -> None:
    """End the server and wait for it: its children's resource use (the builds' peak memory)
    then counts in this process's `RUSAGE_CHILDREN`."""
    global _server, _unanswered
    with _lock:
        if _server is not None:
            _unanswered = 0
            _server.stdin.close()
            _server.wait()
            _server.stdout.close()
            _server = None


def _child(request: dict, server: int, manifest=None) -> int:
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
        if request.get("schedule"):
            from dacall import dbt_schedule

            schedule = request["schedule"]
            dbt_schedule.install(dbt_schedule.read(Path(schedule["record"])), schedule.get("rows"))
        code = _dbt(request["args"], request.get("results"), manifest)
        if code == 0 and request.get("keep"):
            _keep_build(request["keep"])
    except BaseException:  # noqa: BLE001 - reported in the console file, the status says it
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return code


def _keep_build(keep: dict) -> None:
    """The build dbt has just written kept through the database dbt still has open
    (dacall.whole_build.keep_in_place), rather than by the run, which would read its whole log
    again first. Where it cannot be, the run keeps it, or says why it will not."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    from dacall.whole_build import keep_in_place

    connection = getattr(DuckDBConnectionManager._ENV, "conn", None)
    if connection is not None and keep_in_place(connection, keep):
        print(KEPT_BY_DBT, flush=True)


def _dbt(args: list[str], results: str | None, manifest=None) -> int:
    """dbt's command line, in this process; its exit status. With `results`, dbt writes none of
    its JSON artifacts and the run results go to that file: writing the project's manifest (2 MB,
    twice) and graph is half a second of every build, and the docs site, the one thing that
    uses them, gets its own from `docs generate`. With `manifest` (the project as parsed), dbt
    does not read the project again."""
    import click
    from dbt.cli.exceptions import ResultExit

    if results:
        args = [*args, "--no-write-json"]
    outcome = None
    try:
        returned = _invoke(args, manifest)
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


def _invoke(args: list[str], manifest=None):
    """What dbt's command `args` returns, as its command line would run it (dbt's programmatic
    runner does the same with a parsed project, but reports failures its own way)."""
    from dbt.cli.main import cli

    if manifest is None:
        return cli.main(args=args, prog_name="dbt", standalone_mode=False)
    with cli.make_context("dbt", list(args)) as context:
        context.obj = {"manifest": manifest}
        return cli.invoke(context)


def _parse(parse: dict):
    """The project as dbt parses it (`parse`: as `prepare` takes it), kept in this process under
    its key; None when the parse fails (a command then parses, and reports, on its own). Its
    console output goes to the parse's console file, never this process's answers."""
    if _parsed.get("key") == parse["key"]:
        return _parsed["manifest"]
    _parsed.clear()
    environment = dict(os.environ)
    sys.stdout.flush()
    sys.stderr.flush()
    answers, errors = os.dup(1), os.dup(2)
    console = os.open(parse["console"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.dup2(console, 1)
        os.dup2(console, 2)
        os.environ.clear()
        os.environ.update(parse["env"])
        manifest, parsed = _invoke(parse["args"])
        if parsed and manifest is not None:
            _parsed.update(key=parse["key"], manifest=manifest)
            if parse.get("whole"):
                from dacall import dbt_parse_cache

                dbt_parse_cache.note_parse(parse["whole"])
    except BaseException:  # noqa: BLE001 - in the console file; the command parses again
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(answers, 1)
        os.dup2(errors, 2)
        for descriptor in (answers, errors, console):
            os.close(descriptor)
        os.environ.clear()
        os.environ.update(environment)
    return _parsed.get("manifest")


def serve() -> None:
    import dbt.adapters.duckdb  # noqa: F401 - loaded once here, for every child
    import dbt.cli.main  # noqa: F401

    # And what the Python models import: Splink, scipy's graphs (the linkage's clustering)
    # and dacall's linkage take about 0.6 s more, on the marts build's critical path every
    # night, where the linkage is.
    import scipy.sparse.csgraph  # noqa: F401
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
        manifest = _parse(request["parse"]) if request.get("parse") else None
        if "args" not in request:  # a parse asked for ahead of the commands: nothing to run
            sys.stdout.write(json.dumps({"exit": 0 if manifest is not None else 1}) + "\n")
            sys.stdout.flush()
            continue
        child = os.fork()
        if child == 0:
            os._exit(_child(request, server, manifest))
        _, status = os.waitpid(child, 0)
        sys.stdout.write(json.dumps({"exit": os.waitstatus_to_exitcode(status)}) + "\n")
        sys.stdout.flush()
    # The end of its input: every child has ended and been answered. Freeing dbt's modules one
    # object at a time would take the server about half a second more (the time a run that
    # waits for it, `stop`, waits); it holds no file or connection to close.
    os._exit(0)


if __name__ == "__main__":
    serve()
