"""Erasure: what the law and config/governance.yml allow, logged as counts.

Only sources named in `erasure.erasable_sources` are erased (Victim Support referrals, held on
consent); records of every other source are reported as retained, with the reason in
docs/governance/dpia.md. The raw rows (every delivered version), quarantined rows mentioning the
reference and people's link decisions on the record are deleted; every model is either rebuilt
from raw or, if incremental, drops the rows whose raw row is gone (dbt/macros/incremental.sql),
so the next run drops everything derived from them. Disclosures already made stay in
the disclosure log (by person key only): the record of what was shared is itself required.
"""

from __future__ import annotations

import getpass
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from dacall import linkage_pairs, paths
from dacall.governance.sar import RAW_ID, Subject, find
from dacall.settings import UserError, load_yaml
from dacall.warehouse import connect
from dacall.whole_build import discard_stale_build


def erasable_sources() -> set[str]:
    spec = load_yaml("governance.yml").get("erasure") or {}
    sources = set(spec.get("erasable_sources") or [])
    unknown = sources - set(RAW_ID)
    if unknown:
        raise UserError(f"config/governance.yml: unknown erasable source(s) {sorted(unknown)}")
    return sources


def erase(warehouse: Path | None, subject: Subject, erased_by: str | None = None) -> list[dict]:
    """Erase what may be erased; returns one line per source: counts and the outcome."""
    warehouse = paths.warehouse_or_configured(warehouse)
    allowed = erasable_sources()
    con = connect(warehouse)
    # What a killed build left behind (its log may hold the person's rows) goes too: a live
    # build's dbt holds the warehouse open, so `connect` above would have refused, and a build
    # whose folder goes between its steps is refused, not kept (dacall.whole_build). So do the
    # linkage's kept pairs, which name the person's records by id.
    discard_stale_build(warehouse)
    linkage_pairs.forget(paths.state(warehouse))
    lines: list[dict] = []
    try:
        finding = find(con, subject)
        by_source: dict[str, list[str]] = {}
        for source, record in sorted(finding.records):
            by_source.setdefault(source, []).append(record)
        erasure_id = str(uuid.uuid4())
        now = datetime.now(UTC).replace(tzinfo=None)
        who = erased_by or os.environ.get("DACALL_RUN_BY") or getpass.getuser()
        con.execute("begin transaction")
        for source, records in by_source.items():
            deleted = 0
            landing_files: list[str] = []
            if source in allowed:
                column = RAW_ID[source]
                landing_files = [
                    f
                    for (f,) in con.execute(
                        f"select distinct _file from raw.{source} where {column} in "
                        "(select unnest(?)) order by 1",
                        [records],
                    ).fetchall()
                ]
                deleted += con.execute(
                    f"delete from raw.{source} where {column} in (select unnest(?))", [records]
                ).fetchone()[0]
                for record in records:
                    deleted += con.execute(
                        "delete from audit.quarantine where feed = ? and contains(raw_text, ?)",
                        [source, record],
                    ).fetchone()[0]
                    deleted += con.execute(
                        "delete from audit.link_decisions where (source_l = ? and record_l = ?) "
                        "or (source_r = ? and record_r = ?)",
                        [source, record, source, record],
                    ).fetchone()[0]
            outcome = "erased" if source in allowed else "retained"
            con.execute(
                "insert into audit.erasures values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    erasure_id,
                    now,
                    who,
                    finding.looked_up_by,
                    source,
                    len(records),
                    deleted,
                    outcome,
                ],
            )
            lines.append(
                {
                    "source": source,
                    "records": len(records),
                    "rows_deleted": deleted,
                    "outcome": outcome,
                    "landing_files": landing_files,
                }
            )
        con.execute("commit")
    finally:
        con.close()
    return lines
