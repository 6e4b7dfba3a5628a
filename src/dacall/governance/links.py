"""Links a person would stand behind: extract rows resting on a weak person link are held
back and listed for the information governance team; their decisions on pairs of records are
stored in audit.link_decisions and override the linkage model for that pair on later runs
(dbt model int_person_links).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from dacall.csv_out import frame_csv_bytes
from dacall.settings import UserError
from dacall.warehouse import connect, private_dir, write_private

SOURCES = ("cc_incidents", "partner_marac", "partner_mash", "partner_vs")
DECISIONS = {"same": "same", "different": "different"}
_RECORD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.-]{0,40}")
REVIEW_COLUMNS = ["partner_record", "incident_record", "link_probability"]


def review_file(partner_folder: Path, period: str) -> Path:
    """Beside the period's extract folder, never in it: it is for the IG team, not sent."""
    return partner_folder / f"{period}_links_to_review.csv"


def hold_back(frame, agreement, partner_folder: Path, period: str):
    """Split off the rows whose link is below the agreement's threshold; list them (owner-only,
    for a person to decide with `dacall links decide`). Returns (rows to send, rows held)."""
    target = review_file(partner_folder, period)
    if "link_probability" not in frame.columns:
        target.unlink(missing_ok=True)
        return frame, 0
    weak = frame["link_probability"] < agreement.min_link_probability
    held = frame[weak]
    if len(held):
        private_dir(partner_folder)
        pairs = (
            held.rename(columns={"_partner_record": "partner_record"})
            .rename(columns={"_incident_record": "incident_record"})[REVIEW_COLUMNS]
            .drop_duplicates()
            .sort_values(["link_probability", "partner_record", "incident_record"])
        )
        write_private(target, frame_csv_bytes(pairs))
    else:
        target.unlink(missing_ok=True)
    return frame[~weak].reset_index(drop=True), int(weak.sum())


def parse_record(text: str) -> tuple[str, str]:
    """source|id (as in the review file), e.g. partner_marac|M-2025-0031."""
    source, _, record = (text or "").partition("|")
    if source not in SOURCES or not _RECORD_ID.fullmatch(record):
        raise UserError(
            f"not a record: {text!r} (source|id with source one of {', '.join(SOURCES)})"
        )
    return source, record


def decide(
    warehouse: Path, left: str, right: str, decision: str, decided_by: str, reason: str | None
) -> None:
    if decision not in DECISIONS:
        raise UserError(f"decision must be 'same' or 'different', not {decision!r}")
    first, second = parse_record(left), parse_record(right)
    if first == second:
        raise UserError("a record cannot be decided against itself")
    if not decided_by.strip():
        raise UserError("say who decided (--by)")
    con = connect(warehouse)
    try:
        con.execute(
            "insert into audit.link_decisions values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                *first,
                *second,
                decision,
                decided_by.strip()[:80],
                datetime.now(UTC).replace(tzinfo=None),
                (reason or "").strip()[:500] or None,
            ],
        )
    finally:
        con.close()


def decide_from_file(warehouse: Path, path: Path, decided_by: str) -> int:
    """A reviewed copy of the review file with a `decision` column (same/different/blank)."""
    import csv

    try:
        with Path(path).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from exc
    decided = 0
    for number, row in enumerate(rows, start=2):
        decision = (row.get("decision") or "").strip().lower()
        if not decision:
            continue
        try:
            decide(
                warehouse,
                row["partner_record"],
                row["incident_record"],
                decision,
                decided_by,
                row.get("reason"),
            )
        except (KeyError, UserError) as exc:
            raise UserError(f"{Path(path).name} line {number}: {exc}") from exc
        decided += 1
    return decided
