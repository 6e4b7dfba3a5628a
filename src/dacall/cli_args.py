"""What the verbs of the `dacall` command line share (cli.py, governance/cli.py,
review/commands.py): how a verb is added, the options every verb spells the same way
(`--warehouse`, and folders such as `--out` that default to a configured one) and the date type."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def add_verb(
    verbs,
    name: str,
    func: Callable[[argparse.Namespace], int],
    about: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """The sub-command `name`, which runs `func(args)`; `about` is its line in `dacall --help`."""
    verb = verbs.add_parser(name, help=about, description=description)
    verb.set_defaults(func=func)
    return verb


def add_warehouse(
    verb: argparse.ArgumentParser, about: str | None = None, must_exist: bool = False
) -> None:
    """`--warehouse FILE`, by default the configured warehouse (DACALL_WAREHOUSE).
    `must_exist`: the verb only reads a warehouse, so a missing one is named as missing rather
    than its folder checked (dacall.cli.main)."""
    from dacall import paths

    verb.add_argument("--warehouse", type=Path, default=paths.warehouse(), help=about)
    verb.set_defaults(warehouse_must_exist=must_exist)


def add_folder(verb: argparse.ArgumentParser, option: str, about: str) -> None:
    """A folder option (`--out`, `--reports`, `--extracts`) whose default, None, means the
    configured folder; `about` says which."""
    verb.add_argument(option, type=Path, default=None, help=about)
