"""How good is the review queue? P1 against the generator's answer key.

    python -m dacall.review.measure --warehouse W --truth DIR

P1 must hold at least the target share of the incidents the answer key says had missed
history, and average no more than the target number of incidents a day (config/review.yml).
Prints a Markdown table (docs/review.md keeps the latest) and exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from dacall.review.config import review_config
from dacall.settings import UserError


@dataclass
class QueueMeasure:
    days: int
    incidents: int
    bands: dict[str, int]
    truth_missed: int
    truth_missed_in_p1: int
    truth_missed_in_queue: int

    @property
    def p1_share_of_missed(self) -> float:
        return self.truth_missed_in_p1 / self.truth_missed if self.truth_missed else 1.0

    @property
    def p1_per_day(self) -> float:
        return self.bands.get("P1", 0) / self.days if self.days else 0.0

    def meets(self, targets: dict[str, float]) -> bool:
        return self.p1_share_of_missed >= targets.get(
            "p1_share_of_missed_history", 0.95
        ) and self.p1_per_day <= targets.get("p1_incidents_per_day", 10)

    def table(self, targets: dict[str, float]) -> str:
        share_target = targets.get("p1_share_of_missed_history", 0.95)
        day_target = targets.get("p1_incidents_per_day", 10)
        rows = [
            ("days covered", f"{self.days:,}", ""),
            ("incidents", f"{self.incidents:,}", ""),
            *((f"queue {band}", f"{n:,}", "") for band, n in sorted(self.bands.items())),
            ("missed history in the answer key", f"{self.truth_missed:,}", ""),
            ("... of which in the queue", f"{self.truth_missed_in_queue:,}", ""),
            (
                "... of which in P1",
                f"{self.truth_missed_in_p1:,} ({100 * self.p1_share_of_missed:.1f}%)",
                f">= {100 * share_target:.0f}%",
            ),
            ("P1 incidents a day", f"{self.p1_per_day:.1f}", f"<= {day_target:g}"),
        ]
        lines = ["| measure | value | target |", "|---|---:|---|"]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
        return "\n".join(lines)


def truth_missed_history(truth: Path) -> set[str]:
    files = sorted(truth.glob("incidents*.csv"))
    if not files:
        raise UserError(f"no answer key incidents*.csv in {truth}")
    missed = set()
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row.get("missed_history") == "Y":
                    missed.add(row["incident_urn"])
    return missed


def measure(database: Path, truth: Path) -> QueueMeasure:
    from dacall.warehouse import connect

    missed = truth_missed_history(truth)
    con = connect(database, read_only=True)
    try:
        days, incidents = con.execute(
            "select count(distinct cast(timezone('Europe/London', timezone('UTC', created_at)) "
            "as date)), count(*) from marts.fct_incidents"
        ).fetchone()
        queue = con.execute("select incident_urn, band from marts.fct_review_queue").fetchall()
    finally:
        con.close()
    bands: dict[str, int] = {}
    for _urn, band in queue:
        bands[band] = bands.get(band, 0) + 1
    in_p1 = {urn for urn, band in queue if band == "P1"}
    in_queue = {urn for urn, _band in queue}
    return QueueMeasure(
        days=int(days),
        incidents=int(incidents),
        bands=bands,
        truth_missed=len(missed),
        truth_missed_in_p1=len(missed & in_p1),
        truth_missed_in_queue=len(missed & in_queue),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dacall.review.measure", description=__doc__)
    parser.add_argument("--warehouse", type=Path, required=True, help="warehouse or snapshot")
    parser.add_argument("--truth", type=Path, required=True, help="the generator's truth/")
    args = parser.parse_args(argv)
    try:
        result = measure(args.warehouse, args.truth)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    targets = review_config().targets
    print(result.table(targets))
    verdict = result.meets(targets)
    print(f"\n{'targets met' if verdict else 'TARGETS MISSED'}")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
