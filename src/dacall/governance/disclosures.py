"""The disclosure log's detail: which people each extract disclosed, by person key only.

audit.disclosures (dacall.extracts) has one row per extract; audit.disclosure_subjects one row
per person in it, so a subject access request can list every disclosure of a person and an
erasure can be checked against what was already shared.
"""

from __future__ import annotations


def record_subjects(con, disclosure_id: str, people: list[str]) -> None:
    if people:
        con.executemany(
            "insert into audit.disclosure_subjects values (?, ?)",
            [[disclosure_id, key] for key in people],
        )
