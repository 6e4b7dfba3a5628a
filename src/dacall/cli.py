"""The `dacall` command line: generate, run, extract, report, review.

Exit codes (a scheduler can act on them):
  0  done: everything was built (for `run`: every model, the report and the exception list)
  1  `run --strict`: everything was built, but rows or files were quarantined
  2  error: nothing, or not all, was done (a mistake in the arguments or configuration, an
     unreadable warehouse, a failed dbt build); the message says why
  3  `run`: a quality gate stopped part of the build; what was built is sound, the rest
     (named in the output) still holds the figures of an earlier run
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading
from datetime import date
from pathlib import Path

from dacall.cli_args import add_folder, add_verb, add_warehouse, iso_date
from dacall.settings import UserError

EXIT_OK = 0
EXIT_QUARANTINED = 1
EXIT_ERROR = 2
EXIT_STOPPED = 3
# What `dacall run` says when its incremental models were rebuilt from scratch (the bench
# reads it, to tell a night that was not incremental).
REBUILT_FROM_SCRATCH = "incremental models rebuilt from scratch"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"scale must be above 0 and at most 100: {text!r}")
    return value


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_generate(args: argparse.Namespace) -> int:
    from dacall.generate import generate

    result = generate(
        args.out,
        start=args.start,
        days=args.days,
        scale=args.scale,
        seed=args.seed,
        progress=_progress,
    )
    print(
        f"wrote synthetic feeds to {result.out / 'landing'} and the answer key to "
        f"{result.out / 'truth'} in {result.seconds:.0f} s"
    )
    for feed in sorted(result.rows):
        print(f"  {feed:<16} {result.files[feed]:>4} files {result.rows[feed]:>10,} rows")
    print(f"  incidents delivered {result.incidents:,}; claims {result.claims:,}")
    return 0


def print_summary(warehouse: Path) -> None:
    from dacall.pipeline import summary

    facts = summary(warehouse)
    print("rows per feed (latest delivery of each file):")
    for feed in facts["feeds"]:
        print(
            f"  {feed['feed']:<16} {feed['files']:>4} files {feed['rows_loaded']:>10,} rows"
            f" loaded {feed['rows_quarantined']:>6,} quarantined"
        )
    runs = facts.get("marts_run") or {}
    complete, partial = runs.get("complete"), runs.get("partial")
    if complete:
        print(
            f"figures below: marts last fully built by run {complete['run_id']} at "
            f"{complete['finished_at']} UTC"
        )
    if partial:
        print(
            f"  run {partial['run_id']} at {partial['finished_at']} UTC built them only in part "
            f"({partial['detail']}); what it did not build still shows "
            + (f"run {complete['run_id']}'s figures" if complete else "no figures")
        )
    if not complete and not partial:
        print("marts: not built yet")
    if facts["incidents"] is not None:
        print(f"incidents: {facts['incidents']:,} ({facts['domestic_incidents']:,} domestic)")
    if facts["claims"] is not None:
        print(
            f"claims read from the log: {facts['claims']:,}; with a matching audit entry: "
            f"{facts['claims_with_matching_audit']:,}; exceptions: {facts['exceptions']:,}"
        )
        print("  by status: " + ", ".join(f"{k} {v:,}" for k, v in facts["statuses"].items()))
    if facts["missed_history_incidents"] is not None:
        print(f"incidents with missed history: {facts['missed_history_incidents']:,}")
    if facts.get("validation"):
        # The raw gates and the compliance suite validate what a night brought (new or changed
        # files and claims), so a pass is not "no exceptions": the line above counts those.
        print("validation (latest of each suite, on what its night brought):")
        for line in facts["validation"]:
            print(f"  {line}")
    print(f"warehouse: {warehouse}")


def cmd_run(args: argparse.Namespace) -> int:
    from dacall.pipeline import run_pipeline

    if not args.landing.is_dir():
        raise UserError(f"landing folder not found: {args.landing}")
    result = run_pipeline(
        args.landing,
        args.warehouse,
        progress=_progress,
        reports=args.reports,
        full_refresh=args.full_refresh,
    )
    print(f"run {result['run_id']}")
    print("ingested, per feed:")
    for feed, tally in result["ingest"]["feeds"].items():
        print(
            f"  {feed:<16} files loaded {tally['files_loaded']:>4}, skipped "
            f"{tally['files_skipped']:>4}, rejected {tally['files_rejected']:>3}; rows loaded "
            f"{tally['rows_loaded']:>9,}, quarantined {tally['rows_quarantined']:>6,}"
        )
        for rejected in tally["rejected"]:
            print(f"    rejected {rejected}")
    for folder in result["ingest"]["unknown_folders"]:
        print(f"  warning: folder {folder!r} is not a known feed and was not read")
    for entry in result["ingest"]["stray_entries"]:
        print(f"  warning: {entry}")
    statuses = result["transform"]["statuses"]
    rebuilt = result["transform"]["full_refresh"]
    rebuilt = f" ({REBUILT_FROM_SCRATCH})" if rebuilt else ""
    print("dbt build: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) + rebuilt)
    for line in result["stopped"]:
        print(f"  stopped: {line}")
    print("validation:")
    for line in result["validation"]:
        print(f"  {line}")
    print_summary(args.warehouse)
    if result.get("report"):
        print(f"report: {result['report']} (and exceptions.csv beside it)")
    if not result["complete"]:
        print(
            f"dacall: stopped: run {result['run_id']} did not build everything "
            f"({len(result['stopped'])} part(s) stopped, listed above); exit {EXIT_STOPPED}",
            file=sys.stderr,
        )
        return EXIT_STOPPED
    quarantined = result["ingest"]["rows_quarantined"]
    if args.strict and (quarantined or result["ingest"]["files_rejected"]):
        print(
            f"dacall: error: --strict: {quarantined} row(s) quarantined "
            f"({result['ingest']['files_rejected']} file(s) rejected)",
            file=sys.stderr,
        )
        return EXIT_QUARANTINED
    return EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    from dacall.extracts import make_extract

    manifest = make_extract(args.partner, args.period, args.warehouse, args.out)
    folder = (args.out or paths_extracts()) / manifest["partner"] / manifest["period"]
    print(
        f"extract for {manifest['partner']} ({manifest['agreement']}), {manifest['period']}: "
        f"{manifest['rows']:,} rows, fields {', '.join(manifest['fields'])}"
    )
    if manifest["suppression"]["cells_suppressed"]:
        print(
            f"  {manifest['suppression']['cells_suppressed']} small count(s) suppressed "
            f"(threshold {manifest['suppression']['threshold']})"
        )
    print(f"  written to {folder} and recorded in audit.disclosures")
    return 0


def paths_extracts() -> Path:
    from dacall import paths

    return paths.extracts()


def _month(text: str) -> str:
    from dacall.extracts import validate_period

    try:
        return validate_period(text)
    except UserError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_report(args: argparse.Namespace) -> int:
    from dacall.report import make_report

    if args.start and args.end and args.start > args.end:
        raise UserError(f"--from {args.start} is after --to {args.end}: the period holds no month")
    path = make_report(args.warehouse, args.out, args.start, args.end)
    print(f"report: {path}")
    print(f"exception list: {path.with_name('exceptions.csv')}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    print_summary(args.warehouse)
    return 0


def cmd_evaluate_parser(args: argparse.Namespace) -> int:
    from dacall.claims_eval import run

    return run(args.file, as_json=args.json, show=args.show)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from dacall.pilot import run

    return run(args.labels, args.warehouse, as_json=args.json, show=args.show)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dacall", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    gen = add_verb(
        verbs,
        "generate",
        cmd_generate,
        "write synthetic feeds and their answer key",
        "Write one force's synthetic feeds in the exact formats "
        "of feeds.md under OUT/landing and the answer key under OUT/truth.",
    )
    gen.add_argument("--out", type=Path, required=True, help="folder to write into")
    gen.add_argument(
        "--start",
        type=iso_date,
        default=date(2025, 1, 1),
        help="first business date (default 2025-01-01)",
    )
    gen.add_argument("--days", type=_positive_int, default=365, help="days to cover (365)")
    gen.add_argument(
        "--scale",
        type=_scale,
        default=1.0,
        help="volume multiplier; 1 is one force-year (default 1)",
    )
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")

    run = add_verb(
        verbs,
        "run",
        cmd_run,
        "the whole pipeline on a landing folder",
        "Ingest, transform, link, validate and report, in-process, "
        "through the same step functions the Airflow DAGs call. Rerunning on "
        "the same landing changes nothing.",
    )
    run.add_argument("--landing", type=Path, required=True, help="the landing folder")
    add_warehouse(run, "DuckDB warehouse file (default warehouse/dacall.duckdb)")
    add_folder(
        run,
        "--reports",
        "folder for the report, exception list and Data Docs (default: reports/ beside "
        "the warehouse; the configured reports folder for the configured warehouse)",
    )
    run.add_argument(
        "--strict", action="store_true", help="fail (exit 1) if any row or file was quarantined"
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental models from all history instead of reading only what is "
        "new (done by itself when the code or config changed since the last build), and "
        "validate every raw row and every claim again",
    )

    ext = add_verb(
        verbs,
        "extract",
        cmd_extract,
        "a partner's extract for one month",
        "Write extracts/<partner>/<period>/ (CSV, Parquet and "
        "manifest.json) under the partner's information sharing agreement "
        "(config/sharing/<partner>.yml) and record it in audit.disclosures.",
    )
    ext.add_argument("--partner", required=True, help="marac, mash, victim_support, home_office")
    ext.add_argument("--period", required=True, help="the month, YYYY-MM")
    add_warehouse(ext, must_exist=True)
    add_folder(ext, "--out", "default extracts/")

    rep = add_verb(
        verbs,
        "report",
        cmd_report,
        "the HTML report and the exception list",
        "Write report.html (charts, opens offline) and exceptions.csv into OUT (default reports/).",
    )
    add_warehouse(rep, must_exist=True)
    add_folder(rep, "--out", "default: the reports folder of the warehouse")
    rep.add_argument(
        "--from",
        dest="start",
        type=_month,
        default=None,
        help="first month YYYY-MM (default: the first month the marts hold)",
    )
    rep.add_argument(
        "--to",
        dest="end",
        type=_month,
        default=None,
        help="last month YYYY-MM (default: the latest month the marts hold)",
    )

    add_warehouse(
        add_verb(verbs, "summary", cmd_summary, "headline counts from the warehouse"),
        must_exist=True,
    )

    from dacall.linkage_estimate import cmd_linkage_estimate

    estimate = add_verb(
        verbs,
        "linkage-estimate",
        cmd_linkage_estimate,
        "estimate the person linkage's parameters into config/linkage_parameters.yml",
        "Estimate Splink's m and u probabilities from the person records of a built "
        "warehouse and write them for review (docs/linkage.md).",
    )
    add_warehouse(estimate)
    estimate.add_argument(
        "--out", type=Path, default=None, help="default config/linkage_parameters.yml"
    )

    from dacall.review.commands import add_parsers

    add_parsers(verbs)

    from dacall.governance.cli import add_verbs

    add_verbs(verbs)

    from dacall import claims_eval, pilot

    claims_eval.add_arguments(
        add_verb(
            verbs,
            "evaluate-parser",
            cmd_evaluate_parser,
            "the claims parser's precision and recall on a labelled CSV",
            "Read every entry of a labelled CSV (text, claims; optional id, kind) and "
            "report precision and recall of claims, results right, and the errors by kind.",
        )
    )
    pilot.add_arguments(
        add_verb(
            verbs,
            "evaluate",
            cmd_evaluate,
            "the pipeline against a force's manually reviewed dip sample (docs/pilot.md)",
            "Compare the claims and statuses in the warehouse with the quality team's "
            "dip sample: precision and recall per status with 95% Wilson intervals, and the "
            "disagreements to look at.",
        )
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Everything dacall writes holds personal data: owner-only, whatever the shell's umask.
    previous_umask = os.umask(0o077)
    try:
        if getattr(args, "warehouse", None) is not None:
            from dacall.governance.at_rest import check_warehouse_folder

            # A verb that only reads names a missing warehouse as missing, when it opens it,
            # rather than refusing its folder: making that private would not bring the file.
            if not getattr(args, "warehouse_must_exist", False) or args.warehouse.exists():
                check_warehouse_folder(args.warehouse)
        return args.func(args)
    except UserError as exc:
        print(f"dacall: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        # A folder or file the operating system refused: one line, not a traceback.
        where = f" {exc.filename}" if exc.filename else ""
        print(f"dacall: error: {exc.strerror or exc}:{where}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("dacall: interrupted", file=sys.stderr)
        return 130
    finally:
        os.umask(previous_umask)


def exit_without_teardown(code: int) -> None:
    """End the process as `sys.exit(code)` would (the exit handlers run: the alert emails are
    waited for, the logs flushed), less the interpreter's teardown. A process that has imported
    Great Expectations spends about a second at exit freeing its 2,500 modules one object at a
    time (measured 2026-12-07: 1.0 s of a 20 s night), and nothing the process wrote is in
    them: every file and connection dacall opens is closed before its verb returns. A thread
    still running (none of dacall's: the report's pool is closed when it returns) would be cut
    short: then the usual exit waits for it instead."""
    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon for t in threading.enumerate()):
        sys.exit(code)
    # What sys.exit would run (logging's shutdown among them, registered when it is imported);
    # os._exit runs none.
    atexit._run_exitfuncs()  # noqa: SLF001
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def entry() -> None:
    """The `dacall` command (pyproject.toml's script)."""
    exit_without_teardown(main())


if __name__ == "__main__":
    entry()
