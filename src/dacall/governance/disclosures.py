"""The disclosure log's detail: which people each extract disclosed, by person key only.

audit.disclosures (dacall.extracts) has one row per extract; audit.disclosure_subjects one row
per person in it, so a subject access request can list every disclosure of a person and an
erasure can be checked against what was already shared.
"""

from __future__ import annotations

SUBJECTS_DDL = """
create table if not exists audit.disclosure_subjects (
    disclosure_id varchar not null,
    person_key varchar not null
)
"""
# Columns added after the first release: older warehouses gain them on the next extract.
ADDED_COLUMNS = {
    "disclosure_id": "varchar",
    "dataset": "varchar",
    "recipient_fingerprint": "varchar",
    "signing_fingerprint": "varchar",
}


def ensure_schema(con) -> None:
    for column, kind in ADDED_COLUMNS.items():
        con.execute(f"alter table audit.disclosures add column if not exists {column} {kind}")
    con.execute(SUBJECTS_DDL)


def record_subjects(con, disclosure_id: str, people: list[str]) -> None:
    if people:
        con.executemany(
            "insert into audit.disclosure_subjects values (?, ?)",
            [[disclosure_id, key] for key in people],
        )
