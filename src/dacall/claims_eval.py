"""Measure the claims parser on a labelled CSV: `dacall evaluate-parser FILE`.

The file has the columns `text` and `claims` (`SYSTEM:SUBJECT:RESULT` joined by `;`, empty for
an entry that claims nothing) and optionally `id` and `kind`. A claim is counted right when its
system and subject are (precision and recall); its result is scored apart, on the true claims
found, so that one misread result does not also count as a false and a missed claim.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from dacall.claims import parse
from dacall.settings import UserError, read_csv_rows

RESULTS = ("NO_TRACE", "TRACE", "UNSTATED")
ERROR_KINDS = ("false claim", "missed claim", "wrong result")


@dataclass
class Tally:
    entries: int = 0
    true_claims: int = 0
    found: int = 0
    right_result: int = 0
    errors: Counter = field(default_factory=Counter)

    @property
    def predicted(self) -> int:
        return self.found + self.errors["false claim"]

    def figures(self) -> dict:
        return {
            "entries": self.entries,
            "claims": self.true_claims,
            "claims_read": self.predicted,
            "precision": round(self.found / self.predicted, 4) if self.predicted else 1.0,
            "recall": round(self.found / self.true_claims, 4) if self.true_claims else 1.0,
            "result_right": (round(self.right_result / self.found, 4) if self.found else 1.0),
            "errors": {kind: self.errors[kind] for kind in ERROR_KINDS},
        }


def _claims_of(label: str, where: str) -> dict[tuple[str, str], str]:
    claims = {}
    for part in filter(None, (p.strip() for p in label.split(";"))):
        pieces = part.split(":")
        if len(pieces) != 3 or pieces[2] not in RESULTS:
            raise UserError(f"{where}: a claim must be SYSTEM:SUBJECT:RESULT, not {part[:40]!r}")
        claims[(pieces[0], pieces[1])] = pieces[2]
    return claims


def read_labelled(path: Path) -> list[dict]:
    rows = read_csv_rows(path, "labelled file", reader=csv.DictReader)
    if not rows or not {"text", "claims"} <= set(rows[0]):
        raise UserError(f"{path.name} needs the columns text and claims (and may have id, kind)")
    return rows


def evaluate(rows: list[dict], parser=parse) -> dict:
    """Precision, recall, result accuracy and the errors, overall and by kind."""
    overall = Tally()
    by_kind: dict[str, Tally] = defaultdict(Tally)
    mistakes = []
    for number, row in enumerate(rows, start=2):
        row_id = (row.get("id") or "").strip() or f"line {number}"
        want = _claims_of(row.get("claims") or "", f"{row_id}")
        got = {(c.system, c.subject_type): c.result for c in parser(row.get("text") or "")}
        tallies = [overall]
        if "kind" in row:
            tallies.append(by_kind[(row.get("kind") or "").strip() or "(none)"])
        errors = []
        for pair in sorted(set(want) | set(got)):
            if pair not in got:
                errors.append(("missed claim", pair, want[pair], None))
            elif pair not in want:
                errors.append(("false claim", pair, None, got[pair]))
            elif got[pair] != want[pair]:
                errors.append(("wrong result", pair, want[pair], got[pair]))
        for tally in tallies:
            tally.entries += 1
            tally.true_claims += len(want)
            tally.found += len(set(want) & set(got))
            tally.right_result += sum(1 for p in set(want) & set(got) if want[p] == got[p])
            tally.errors.update(kind for kind, *_ in errors)
        for kind, pair, wanted, read in errors:
            mistakes.append(
                {
                    "id": row_id,
                    "kind": row.get("kind", ""),
                    "error": kind,
                    "claim": f"{pair[0]}:{pair[1]}",
                    "labelled": wanted,
                    "read": read,
                    "text": row.get("text", ""),
                }
            )
    return {
        "overall": overall.figures(),
        "by_kind": {kind: tally.figures() for kind, tally in sorted(by_kind.items())},
        "mistakes": mistakes,
    }


def _print(report: dict, path: Path, show: int) -> None:
    o = report["overall"]
    print(
        f"{path.name}: {o['entries']} entries, {o['claims']} labelled claims, "
        f"{o['claims_read']} read"
    )
    print(
        f"  precision {o['precision']:.3f}  recall {o['recall']:.3f}  "
        f"result right on {o['result_right']:.3f} of true claims found"
    )
    print("  errors: " + ", ".join(f"{k} {v}" for k, v in o["errors"].items()))
    if report["by_kind"]:
        print(
            f"  {'kind':<22} {'entries':>7} {'claims':>6} {'prec':>6} {'recall':>6} "
            f"{'result':>6} {'false':>5} {'missed':>6} {'wrong':>5}"
        )
        for kind, f in report["by_kind"].items():
            e = f["errors"]
            print(
                f"  {kind[:22]:<22} {f['entries']:>7} {f['claims']:>6} {f['precision']:>6.3f} "
                f"{f['recall']:>6.3f} {f['result_right']:>6.3f} {e['false claim']:>5} "
                f"{e['missed claim']:>6} {e['wrong result']:>5}"
            )
    for mistake in report["mistakes"][:show]:
        print(
            f"  {mistake['error']:<12} {mistake['claim']:<16} labelled {mistake['labelled']} "
            f"read {mistake['read']}: {mistake['id']}: {mistake['text'][:90]!r}"
        )
    if len(report["mistakes"]) > show:
        print(f"  ... and {len(report['mistakes']) - show} more (--show N, or --json)")


def run(path: Path, *, as_json: bool = False, show: int = 20) -> int:
    report = evaluate(read_labelled(path))
    if as_json:
        json.dump({"file": path.name, **report}, sys.stdout, indent=2)
        print()
    else:
        _print(report, path, show)
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="labelled CSV: text, claims (and id, kind)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--show", type=int, default=20, help="how many mistakes to list")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dacall.claims_eval", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args.file, as_json=args.json, show=args.show)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
