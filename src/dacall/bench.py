"""`make bench`: generation, the floor (DuckDB reading every landed line once), ingestion, the
dbt build and a night's run, timed at one or more scales.

    python -m dacall.bench [--scales 1 5 10] [--days 365 1825] [--out /tmp/dacall-bench]
                           [--stages generate floor ingest dbt nightly end-to-end] [--nights 3]

Each scale is run at each history length (`--days`, one generated landing each); with two or
more, the last line compares the nightly increments (issue 16: five years of history should
cost a night at most 1.5x what one year does).

The last generated days (`--nights`, 3) are held back from the landing: ingestion and the full
build cover the days before them, and `nightly` runs `dacall run` once with nothing new (the
night before), then delivers the held days one at a time, timing `dacall run` after each, a new
process each time as a scheduler starts it (start-up, ingest, gates, the incremental build,
compliance, report): the cost of one night with that history is the median of those nights.
One night alone moved by a fifth from one run to the next on this machine; the median of three,
less. The nightly stage runs after every history's other stages, their nights in turn (one
year's, five years', five years', one year's, ...), so that the machine's drift weighs on both
sides of the ratio alike.

`end-to-end` is `dacall run` of the whole landing on an empty warehouse (issue 16: within 15x
the floor); it runs at the first history length only (five years of it would add minutes and
say nothing the full build does not).

Leaving out `generate` reuses the data of an earlier run in --out (e.g. `--stages dbt` times a
changed dbt project on the same warehouse). `nightly` delivers the held days, so it runs again
only with `ingest` before it (which holds the days back and loads the rest); it refuses to time
a night with nothing held back.

Each stage runs in a child process so its peak memory (max RSS) is its own. Prints a Markdown
table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

START = date(2025, 1, 1)  # the first generated day
STAGE = r"""
import json, sys, time
from pathlib import Path
import shutil
stage, scale, days, out = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
start = time.perf_counter()
result = {}

def step_seconds(warehouse, run_id):
    # Each step's seconds in the run `run_id`, from the warehouse's record of its runs.
    import duckdb
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(con.execute(
            "select step, epoch(finished_at - started_at) from audit.pipeline_runs "
            "where run_id = ? order by started_at", [run_id]).fetchall())

if stage == "generate":
    from dacall.bench import START
    from dacall.generate import generate
    r = generate(out, start=START, days=days, scale=scale, seed=42)
    result = {"rows": dict(r.rows), "claims": r.claims, "incidents": r.incidents}
elif stage == "floor":
    # The cost of reading the landing at all: DuckDB counts every line of every file once. It
    # is timed on the second of two readings, from the page cache, as the ingest stage after it
    # reads the files: timed on the first, the floor moved between 1 and 3 s at one year (1 to
    # 12 s at five) with what the cache held, and every ratio to it with it.
    import duckdb
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")  # it would write to stdout
    folders = sorted(p for p in (out / "landing").iterdir() if p.is_dir())
    def count_lines():
        return sum(
            con.execute(
                "select count(*) from read_csv(?, columns={'line': 'varchar'}, header=false, "
                "delim=chr(1), quote='', escape='', auto_detect=false, ignore_errors=true, "
                "strict_mode=false)", [str(folder / "*")]
            ).fetchall()[0][0]
            for folder in folders
        )
    first = time.perf_counter()
    count_lines()
    start = time.perf_counter()
    result = {"rows": count_lines(), "first_reading_seconds": start - first}
elif stage == "ingest":
    from dacall.ingest.loader import ingest
    shutil.rmtree(out / "warehouse", ignore_errors=True)  # from empty, as a first load is
    r = ingest(out / "landing", out / "warehouse" / "dacall.duckdb")
    result = {"feeds": {k: [v.rows_read, v.seconds] for k, v in r.feeds.items()}}
elif stage == "dbt":
    from dacall.pipeline import transform_step
    from dacall.review.outcomes import load_outcomes
    load_outcomes(out / "warehouse" / "dacall.duckdb")  # as the pipeline's ingest step does
    r = transform_step(out / "warehouse" / "dacall.duckdb", phase="all", full_refresh=True)
    result = {"success": r["success"], "models": {m["name"]: m["seconds"] for m in r["models"]}}
elif stage == "nightly":
    import subprocess
    from dacall.cli import REBUILT_FROM_SCRATCH
    # One night: `dacall run` in a process of its own, as a scheduler starts it, so its time
    # includes starting Python and importing what the run needs (Great Expectations, dbt in
    # dbt's server, matplotlib), which nights run inside one process would have paid once.
    # Night 0 is the night before, with nothing new: a night finds what the previous one left
    # (the gates' results, the docs site), not a warehouse that was only built. Any other night
    # delivers the first day still held back, then runs. `dacall run` as the command runs it
    # (dacall.cli.entry), its dbt server waited for before it exits, so that the builds'
    # memory counts in the peak (RUSAGE_CHILDREN).
    night = int(sys.argv[5])
    RUN = ("import sys; from dacall import dbt_server; "
           "from dacall.cli import exit_without_teardown, main; "
           "code = main(sys.argv[1:]); dbt_server.stop(); exit_without_teardown(code)")
    delivered = 0
    if night:
        from dacall.bench import days_held
        day = days_held(out)[0]
        for held in sorted(day.glob("*/*")):
            held.rename(out / "landing" / held.parent.name / held.name)
            delivered += 1
        shutil.rmtree(day)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RUN, "run", "--landing", str(out / "landing"),
         "--warehouse", str(out / "warehouse" / "dacall.duckdb")],
        capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"dacall run exited {done.returncode}: {done.stderr[-500:]}")
    run_id = next(line.split()[1] for line in done.stdout.splitlines() if line.startswith("run "))
    result = {"seconds": seconds, "delivered": delivered,
              "full_refresh": REBUILT_FROM_SCRATCH in done.stdout,
              "steps": step_seconds(out / "warehouse" / "dacall.duckdb", run_id)}
elif stage == "end-to-end":
    # `dacall run` of the whole landing on an empty warehouse of its own: ingest, gates, the
    # full build, compliance, report.
    from dacall.pipeline import run_pipeline
    shutil.rmtree(out / "end-to-end", ignore_errors=True)
    r = run_pipeline(out / "landing", out / "end-to-end" / "dacall.duckdb")
    result = {"steps": step_seconds(out / "end-to-end" / "dacall.duckdb", r["run_id"])}
    shutil.rmtree(out / "end-to-end")
result.setdefault("seconds", time.perf_counter() - start)
import resource
from dacall import dbt_server
dbt_server.stop()  # dbt's children then count in RUSAGE_CHILDREN
result["peak_mib"] = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                         resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
print("RESULT " + json.dumps(result))
"""


# The stages each history runs on its own, one after another; the nightly and end-to-end
# stages run after every history's (run_nights takes the histories' nights in turn).
HISTORY_STAGES = ("generate", "floor", "ingest", "dbt")
STAGES = (*HISTORY_STAGES, "nightly", "end-to-end")


def days_held(out: Path) -> list[Path]:
    """The days held back and not yet delivered (out/held/<day>, holding files), earliest
    first."""
    held = out / "held"
    if not held.is_dir():
        return []
    return sorted(day for day in held.iterdir() if any(day.glob("*/*")))


def hold_back_last_days(out: Path, last_day, nights: int) -> int:
    """Move the files of the last `nights` business days out of the landing (into
    out/held/<day>) for the nightly stage to deliver, a day a night; returns how many."""
    days = [last_day - timedelta(days=back) for back in range(nights)]
    stamps = {stamp: day for day in days for stamp in (f"{day:%Y%m%d}", f"{day:%Y-%m-%d}")}
    held = 0
    for path in sorted((out / "landing").glob("*/*")):
        day = next((day for stamp, day in stamps.items() if stamp in path.name), None)
        if day is not None:
            folder = out / "held" / f"{day:%Y-%m-%d}" / path.parent.name
            folder.mkdir(parents=True, exist_ok=True)
            path.rename(folder / path.name)
            held += 1
    return held


def run_stage(stage: str, scale: float, days: int, out: Path, *more: object) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", STAGE, stage, str(scale), str(days), str(out), *map(str, more)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: {stage} at scale {scale} failed: {done.stderr[-500:]}")
    # The result comes last; anything a library printed before it (a progress bar without a
    # line end) is not part of it.
    _, found, result = done.stdout.rpartition("RESULT ")
    if not found:
        raise SystemExit(f"bench: {stage} at scale {scale} printed no result: {done.stderr[-500:]}")
    return json.loads(result)


def _detail(stage: str, r: dict, floor: float | None, out: Path, days: int, nights: int) -> str:
    """The table's detail column for one stage's result."""
    detail = ""
    if stage == "generate":
        held = hold_back_last_days(out, START + timedelta(days=days - 1), nights)
        detail = f"{sum(r['rows'].values()):,} rows, {r['incidents']:,} incidents; "
        detail += f"{held} files of the last {nights} days held back for the nightly stage"
    if stage == "floor":
        detail = (
            f"{r['rows']:,} lines read by DuckDB from the page cache (the first reading, which "
            f"filled it, {r['first_reading_seconds']:.1f} s)"
        )
    if stage == "ingest":
        detail = "; ".join(
            f"{feed} {rows / max(secs, 1e-9):,.0f} rows/s"
            for feed, (rows, secs) in sorted(r["feeds"].items())
        )
        if floor:
            detail = f"{r['seconds'] / floor:.1f}x the floor; " + detail
    if stage == "end-to-end":
        detail = ", ".join(f"{k} {v:.1f}" for k, v in r["steps"].items())
        if floor:
            detail = f"{r['seconds'] / floor:.1f}x the floor; " + detail
    if stage == "nightly":
        total = sum(r["steps"].values())
        each = ", ".join(f"{seconds:.0f}" for seconds in r["nights"])
        detail = f"median of {len(r['nights'])} nights ({each} s); that night: "
        detail += f"{r['delivered']} files delivered, {total:.0f} s in steps"
        if floor:
            detail += f" ({total / floor:.1f}x the floor)"
        detail += ": " + ", ".join(f"{k} {v:.1f}" for k, v in r["steps"].items())
        if r["full_refresh"]:
            detail += "; NOT incremental (the models were rebuilt from scratch)"
        detail += f"; the night before (nothing new) took {r['night_before_seconds']:.0f} s"
    if stage == "dbt":
        slowest = sorted(r["models"].items(), key=lambda kv: -kv[1])[:3]
        reconciliation = sum(v for k, v in r["models"].items() if "claim" in k or "check" in k)
        detail = ", ".join(f"{k} {v:.1f} s" for k, v in slowest)
        detail += f"; reconciliation models {reconciliation:.1f} s"
        detail += f"; linkage {r['models'].get('int_person_links', 0):.1f} s"
    return detail


def _out(root: Path, scale: float, days: int) -> Path:
    return root / f"scale-{scale:g}-days-{days}"


def _print_row(scale: float, days: int, stage: str, seconds: float, r: dict, detail: str) -> None:
    shown = f"{seconds:.1f}" if stage == "floor" else f"{seconds:.0f}"
    peak = r["peak_mib"]
    print(f"| {scale:g} | {days} | {stage} | {shown} | {peak:.0f} | {detail} |", flush=True)


def run_nights(scale: float, histories: list[int], root: Path) -> dict[int, dict]:
    """The nightly stage of every history length, their nights taken in turn (one year's, five
    years', five years', one year's, ...), so that the machine's speed, which drifted by half
    within an hour here, weighs on each history alike and their ratio is that of the nights.
    Each history has its night before (nothing new) first, untimed in the ratio, then a night
    for each day held back. Returns each history's median night, with every night's time."""
    folders = {days: _out(root, scale, days) for days in histories}
    for out in folders.values():
        if not days_held(out):
            # An earlier nightly stage delivered it: timing a night with nothing new would say
            # nothing about a night's cost.
            raise SystemExit(
                f"bench: no day held back in {out / 'held'} for the nightly stage to deliver; "
                "include the ingest stage (it holds the last days back and loads the rest)"
            )
    before = {days: run_stage("nightly", scale, days, out, 0) for days, out in folders.items()}
    nights: dict[int, list[dict]] = {days: [] for days in histories}
    order = list(histories)
    while True:
        waiting = [days for days in order if days_held(folders[days])]
        if not waiting:
            break
        for days in waiting:
            nights[days].append(run_stage("nightly", scale, days, folders[days], 1))
        order.reverse()
    results = {}
    for days in histories:
        ran = nights[days]
        median = sorted(ran, key=lambda night: night["seconds"])[(len(ran) - 1) // 2]
        results[days] = {
            **median,
            "nights": [night["seconds"] for night in ran],
            "full_refresh": any(night["full_refresh"] for night in ran),
            "night_before_seconds": before[days]["seconds"],
            "peak_mib": max(night["peak_mib"] for night in [before[days], *ran]),
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0])
    parser.add_argument("--days", type=int, nargs="+", default=[365], help="history lengths")
    parser.add_argument("--out", type=Path, default=Path("/tmp/dacall-bench"))
    parser.add_argument(
        "--stages", nargs="+", choices=STAGES, default=list(STAGES), help="stages to time"
    )
    parser.add_argument(
        "--nights",
        type=int,
        default=3,
        help="days held back, each delivered and run as a night; the nightly time is their median",
    )
    args = parser.parse_args(argv)
    if args.nights < 1:
        parser.error("--nights must be at least 1")
    print("| scale | days | stage | seconds | peak MiB | detail |\n|---|---|---|---|---|---|")
    # Each history's median night: its whole `dacall run`, and the time in the run's steps.
    night_seconds: dict[tuple[float, int], tuple[float, float]] = {}
    for scale in args.scales:
        floors: dict[int, float | None] = {}
        for days in args.days:
            out = _out(args.out, scale, days)
            if "generate" in args.stages:
                shutil.rmtree(out, ignore_errors=True)
            elif not out.is_dir():
                raise SystemExit(f"bench: no earlier run in {out}; include the generate stage")
            floors[days] = None
            for stage in (s for s in HISTORY_STAGES if s in args.stages):
                if stage == "ingest":  # again, after a nightly stage delivered it
                    hold_back_last_days(out, START + timedelta(days=days - 1), args.nights)
                started = time.perf_counter()
                r = run_stage(stage, scale, days, out)
                if stage == "floor":
                    floors[days] = r["seconds"]
                seconds = r["seconds"] if stage == "floor" else time.perf_counter() - started
                _print_row(
                    scale,
                    days,
                    stage,
                    seconds,
                    r,
                    _detail(stage, r, floors[days], out, days, args.nights),
                )
        if "nightly" in args.stages:
            for days, r in run_nights(scale, args.days, args.out).items():
                night_seconds[scale, days] = (r["seconds"], sum(r["steps"].values()))
                out = _out(args.out, scale, days)
                detail = _detail("nightly", r, floors[days], out, days, args.nights)
                _print_row(scale, days, "nightly", r["seconds"], r, detail)
        if "end-to-end" in args.stages:  # at the first history length only
            days = args.days[0]
            out = _out(args.out, scale, days)
            r = run_stage("end-to-end", scale, days, out)
            detail = _detail("end-to-end", r, floors[days], out, days, args.nights)
            _print_row(scale, days, "end-to-end", r["seconds"], r, detail)
    for scale in args.scales:
        measured = [
            (days, night_seconds[scale, days])
            for days in args.days
            if (scale, days) in night_seconds
        ]
        if len(measured) > 1:
            (first_days, (first, first_steps)), (last_days, (last, last_steps)) = (
                measured[0],
                measured[-1],
            )
            print(
                f"\nnightly increment at scale {scale:g} (median of {args.nights} nights): "
                f"{first:.1f} s with {first_days} days of history, {last:.1f} s with {last_days} "
                f"days ({last / first:.2f}x); in the run's steps alone (no start-up, gates or "
                f"compliance) {first_steps:.1f} s and {last_steps:.1f} s "
                f"({last_steps / first_steps:.2f}x)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
