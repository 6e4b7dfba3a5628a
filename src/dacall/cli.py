"""The `dacall` command line: generate, run, extract, report."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from dacall.settings import UserError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dacall", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    gen = verbs.add_parser(
        "generate",
        help="write synthetic feeds and their answer key",
        description="Write one force's synthetic feeds in the exact formats "
        "of feeds.md under OUT/landing and the answer key under OUT/truth.",
    )
    gen.add_argument("--out", type=Path, required=True, help="folder to write into")
    gen.add_argument(
        "--start",
        type=_date,
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
    gen.set_defaults(func=cmd_generate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"dacall: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dacall: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
