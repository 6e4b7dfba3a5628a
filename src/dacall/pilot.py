"""The pilot kit: the pipeline's claims and statuses against a force's own dip sample.

`dacall evaluate --labels FILE [--warehouse FILE]`. The quality team's manually reviewed sample
is a CSV, one row per check the reviewer looked at: the incident URN, the log entry's sequence
number, the system, the subject, and the reviewer's finding, which is one of the statuses of
claims.md or NOT_A_CLAIM (the entry does not say this check was done). The sampled log entries
are the scope: a claim the pipeline read from a sampled entry that the reviewer did not list is
one the reviewer says was not claimed.

Reported: precision and recall of the claims themselves, then per status, each with a 95%
Wilson interval (small samples give wide intervals, and the interval says so), and every
disagreement to look at with the words the claim was read from.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path

from dacall import paths
from dacall.rules import matching_statuses, status_names
from dacall.settings import UserError, read_csv_rows

STATUSES = status_names()
NOT_A_CLAIM = "NOT_A_CLAIM"
SYSTEMS = ("PNC", "PND", "RMS", "CAD")
SUBJECTS = ("PERSON", "ADDRESS", "TELEPHONE")
# A force's export names its columns its own way; these are the names understood.
COLUMNS = {
    "incident_urn": ("incident_urn", "incident", "urn", "incident_number"),
    "log_seq": ("log_seq", "seq", "log_entry", "entry", "entry_seq", "log_sequence"),
    "system": ("system",),
    "subject_type": ("subject_type", "subject"),
    "finding": ("finding", "status", "reviewer_finding", "reviewer_status", "outcome"),
}
Z95 = 1.959964


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion; None when there were no trials."""
    if trials == 0:
        return None
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    )
    return max(0.0, centre - half), min(1.0, centre + half)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def read_labels(path: Path) -> dict[tuple[str, int, str, str], str]:
    """(URN, seq, system, subject) -> the reviewer's finding."""
    rows = read_csv_rows(path, "labels file", encoding="utf-8-sig")
    if not rows:
        raise UserError(f"{path.name} is empty")
    header = [_key(h) for h in rows[0]]
    where = {}
    for column, names in COLUMNS.items():
        found = [i for i, h in enumerate(header) if h in names]
        if not found:
            raise UserError(f"{path.name}: no column for {column} (one of: {', '.join(names)})")
        where[column] = found[0]
    labels = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        value = {c: (row[i].strip() if i < len(row) else "") for c, i in where.items()}
        finding = value["finding"].upper().replace(" ", "_")
        system, subject = value["system"].upper(), value["subject_type"].upper()
        if finding not in (*STATUSES, NOT_A_CLAIM):
            raise UserError(
                f"{path.name} line {line}: finding must be a status of claims.md or "
                f"{NOT_A_CLAIM}, not {finding[:30]!r}"
            )
        if system not in SYSTEMS or subject not in SUBJECTS:
            raise UserError(f"{path.name} line {line}: unknown system or subject")
        try:
            seq = int(value["log_seq"])
        except ValueError:
            raise UserError(f"{path.name} line {line}: log seq is not a number") from None
        key = (value["incident_urn"].upper(), seq, system, subject)
        if key in labels and labels[key] != finding:
            raise UserError(f"{path.name} line {line}: the same check has two findings")
        labels[key] = finding
    if not labels:
        raise UserError(f"{path.name} has no labelled rows")
    return labels


def pipeline_claims(warehouse: Path, entries: set[tuple[str, int]]) -> dict:
    """The pipeline's status and evidence for every claim read from the sampled entries."""
    from dacall.warehouse import connect

    con = connect(warehouse, read_only=True)
    try:
        con.execute("create temp table sampled (incident_urn varchar, log_seq integer)")
        con.executemany("insert into sampled values (?, ?)", sorted(entries))
        rows = con.execute(
            """
            select r.incident_urn, r.log_seq, r.system, r.subject_type, r.status,
                   r.claim_evidence, r.reason
            from marts.fct_check_reconciliation as r
            inner join sampled using (incident_urn, log_seq)
            """
        ).fetchall()
    except Exception as exc:  # noqa: BLE001 - an old or unbuilt warehouse
        raise UserError(
            f"cannot read the claims in {warehouse}: run `dacall run` first "
            f"({str(exc).splitlines()[0]})"
        ) from exc
    finally:
        con.close()
    return {
        (r[0], r[1], r[2], r[3]): {"status": r[4], "evidence": r[5], "reason": r[6]} for r in rows
    }


def _rate(hits: int, total: int) -> dict:
    interval = wilson(hits, total)
    return {
        "value": round(hits / total, 4) if total else None,
        "hits": hits,
        "of": total,
        "ci95": [round(interval[0], 4), round(interval[1], 4)] if interval else None,
    }


def compare(labels: dict, claims: dict) -> dict:
    reviewer_claims = {k for k, finding in labels.items() if finding != NOT_A_CLAIM}
    both = reviewer_claims & set(claims)
    disagreements = []
    for key in sorted(set(labels) | set(claims)):
        finding = labels.get(key, NOT_A_CLAIM)
        status = claims[key]["status"] if key in claims else NOT_A_CLAIM
        if finding != status:
            disagreements.append(
                {
                    "incident_urn": key[0],
                    "log_seq": key[1],
                    "system": key[2],
                    "subject_type": key[3],
                    "reviewer": finding,
                    "pipeline": status,
                    "read_from": claims.get(key, {}).get("evidence"),
                    "pipeline_reason": claims.get(key, {}).get("reason"),
                }
            )
    per_status = {}
    for status in STATUSES:
        said = {k for k in both if claims[k]["status"] == status}
        found = {k for k in both if labels[k] == status}
        if not said and not found:
            continue
        agreed = len(said & found)
        per_status[status] = {
            "precision": _rate(agreed, len(said)),
            "recall": _rate(agreed, len(found)),
        }
    matching = matching_statuses()
    said_exc = {k for k in both if claims[k]["status"] not in matching}
    found_exc = {k for k in both if labels[k] not in matching}
    return {
        "sampled_entries": len({k[:2] for k in labels}),
        "reviewed_checks": len(labels),
        "claims": {
            "precision": _rate(len(both), len(claims)),
            "recall": _rate(len(both), len(reviewer_claims)),
        },
        "status_agreement": _rate(sum(claims[k]["status"] == labels[k] for k in both), len(both)),
        "exceptions": {
            "precision": _rate(len(said_exc & found_exc), len(said_exc)),
            "recall": _rate(len(said_exc & found_exc), len(found_exc)),
        },
        "per_status": per_status,
        "disagreements_by_kind": dict(
            Counter(f"{d['pipeline']} vs {d['reviewer']}" for d in disagreements).most_common()
        ),
        "disagreements": disagreements,
    }


def _line(name: str, rate: dict) -> str:
    if rate["value"] is None:
        return f"  {name:<32} n/a (none)"
    low, high = rate["ci95"]
    return (
        f"  {name:<32} {rate['value']:.3f}  ({rate['hits']}/{rate['of']}; "
        f"95% CI {low:.3f}-{high:.3f})"
    )


def _print(report: dict, show: int) -> None:
    print(
        f"dip sample: {report['sampled_entries']} log entries, "
        f"{report['reviewed_checks']} reviewed checks"
    )
    print(_line("claims: precision", report["claims"]["precision"]))
    print(_line("claims: recall", report["claims"]["recall"]))
    print(_line("status agrees (claims both read)", report["status_agreement"]))
    print(_line("exceptions: precision", report["exceptions"]["precision"]))
    print(_line("exceptions: recall", report["exceptions"]["recall"]))
    for status, rates in report["per_status"].items():
        print(_line(f"{status}: precision", rates["precision"]))
        print(_line(f"{status}: recall", rates["recall"]))
    print(f"disagreements: {len(report['disagreements'])}")
    for kind, count in report["disagreements_by_kind"].items():
        print(f"  pipeline {kind} (reviewer): {count}")
    for d in report["disagreements"][:show]:
        print(
            f"  {d['incident_urn']} seq {d['log_seq']} {d['system']}:{d['subject_type']}: "
            f"pipeline {d['pipeline']}, reviewer {d['reviewer']}"
            + (f"; read from {d['read_from']}" if d["read_from"] else "")
        )
    if len(report["disagreements"]) > show:
        print(f"  ... and {len(report['disagreements']) - show} more (--show N, or --json)")


def run(labels_path: Path, warehouse: Path | None = None, *, as_json=False, show=30) -> int:
    labels = read_labels(labels_path)
    warehouse = paths.warehouse_or_configured(warehouse)
    claims = pipeline_claims(warehouse, {k[:2] for k in labels})
    report = compare(labels, claims)
    if as_json:
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        _print(report, show)
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--labels",
        type=Path,
        required=True,
        help="the dip sample: incident URN, log seq, system, subject, reviewer's finding",
    )
    parser.add_argument("--warehouse", type=Path, help="default: DACALL_WAREHOUSE")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--show", type=int, default=30, help="how many disagreements to list")
