"""The hand-labelled claims sets of tests/data, each written as CSV by its make_claims_*.py.

A set's entries are a table beside its CSV (`claims_labelled.txt` for `claims_labelled.csv`),
one entry a line, `[kind | ]text | label`, labelled under the rules of shared/spec/claims.md;
blank lines and lines starting with `#` are left out. A label is NONE (no check claimed) or
claims joined by " + ", each `SYSTEMS / SUBJECTS / RESULT`:

- SYSTEMS: PNC, PND, RMS, CAD, several separated by spaces; STD is the standard check set;
- SUBJECTS: P (person), A (address), T (telephone), several run together (PA); ALL is all
  three; * is no subject named, which means every subject the system can search (PNC: the
  person only);
- RESULT: N (no trace), T (trace), U (unstated).

"PNC PND / P / N" is PNC and PND on the person, no trace. Run a set's script to rewrite its
CSV after editing its table.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUBJECTS = {"P": "PERSON", "A": "ADDRESS", "T": "TELEPHONE"}
RESULTS = {"N": "NO_TRACE", "T": "TRACE", "U": "UNSTATED"}
STANDARD_CHECK_SET = "RMS CAD"
ALL_SUBJECTS = "PAT"


def claims(systems: str, subjects: str, result: str) -> list[str]:
    """One `SYSTEMS / SUBJECTS / RESULT` as the CSV's claims, SYSTEM:SUBJECT:RESULT each."""
    out = []
    for system in systems.replace("STD", STANDARD_CHECK_SET).split():
        named = ALL_SUBJECTS if subjects == "ALL" else subjects
        if subjects == "*":  # no subject named: what the system can search
            named = "P" if system == "PNC" else ALL_SUBJECTS
        out += [f"{system}:{SUBJECTS[s]}:{RESULTS[result]}" for s in named]
    return out


def label_claims(label: str) -> list[str]:
    if label == "NONE":
        return []
    out = []
    for claim in label.split(" + "):
        systems, subjects, result = (part.strip() for part in claim.split(" / "))
        out += claims(systems, subjects, result)
    return out


def entries(name: str) -> list[list[str]]:
    """The set's entries as CSV rows: its fields, then the claims joined by ";"."""
    rows = []
    for line in (HERE / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            *fields, label = line.split(" | ")
            rows.append([*fields, ";".join(label_claims(label))])
    return rows


def write_set(name: str, id_prefix: str | None = None) -> Path:
    """`<name>.csv` from `<name>.txt`: text and claims; for a set whose entries have a kind,
    id (`<id_prefix>001` on) and kind first."""
    rows = entries(name)
    path = HERE / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if id_prefix is None:
            writer.writerow(["text", "claims"])
            writer.writerows(rows)
        else:
            writer.writerow(["id", "kind", "text", "claims"])
            writer.writerows(
                [f"{id_prefix}{number:03d}", *row] for number, row in enumerate(rows, start=1)
            )
    return path
