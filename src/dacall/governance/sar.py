"""Subject access: everything held about one person, for the information governance team.

A person is found by name and date of birth or by a reference (incident URN, MARAC Case Ref,
MASH referral_id, Victim Support VS_REF), then widened to every record linked to them
(marts.bridge_person_records). The answer is a file readable only by its owner: each record by
source (every delivered version), the incident log entries, every claim and exception, the
searches of them in the systems' audit logs, quarantined rows that may be theirs and every
disclosure of them (partner, date, dataset). Only counts go to the log
(audit.subject_access_requests).
"""

from __future__ import annotations

import getpass
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from dacall import normalise, paths
from dacall.settings import UserError
from dacall.warehouse import connect, private_dir, write_private

# Person-record sources: the raw table and its reference column.
RAW_ID = {
    "cc_incidents": "urn",
    "partner_marac": "case_ref",
    "partner_mash": "referral_id",
    "partner_vs": "vs_ref",
}
SOURCE_LABEL = {
    "cc_incidents": "Control room incidents (police, DPA 2018 Part 3)",
    "partner_marac": "MARAC referrals",
    "partner_mash": "MASH referrals",
    "partner_vs": "Victim Support referrals",
}


@dataclass(frozen=True)
class Subject:
    """Whom a subject access request or an erasure is about: a name ("SURNAME, FORENAME") and
    a date of birth, or a reference (incident URN, Case Ref, referral_id or VS_REF)."""

    name: str | None = None
    dob: date | None = None
    ref: str | None = None


@dataclass
class Finding:
    looked_up_by: str
    records: set[tuple[str, str]] = field(default_factory=set)  # (source, id)
    possible: set[tuple[str, str]] = field(default_factory=set)  # name-only matches
    person_keys: set[str] = field(default_factory=set)


def _tables(con) -> set[str]:
    rows = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    return {f"{s}.{t}" for s, t in rows}


def parse_name(text: str) -> tuple[str, str]:
    surname, forename = normalise.surname_key(text), normalise.first_forename_key(text)
    if not surname or not forename or "," not in (text or ""):
        raise UserError('give the name as "SURNAME, FORENAME"')
    return surname, forename


def find(con, subject: Subject):
    """The person's records: direct matches, then every record linked to them."""
    tables = _tables(con)
    name, dob, ref = subject.name, subject.dob, subject.ref
    if ref:
        ref = ref.strip()
        if not ref or len(ref) > 40:
            raise UserError("a reference is 1 to 40 characters")
        finding = Finding("ref")
        for source, column in RAW_ID.items():
            if f"raw.{source}" in tables:
                hit = con.execute(
                    f"select count(*) from raw.{source} where {column} = ?", [ref]
                ).fetchone()[0]
                if hit:
                    finding.records.add((source, ref))
    elif name and dob:
        surname, forename = parse_name(name)
        finding = Finding("name_dob")
        if "intermediate.int_person_records" in tables:
            finding.records |= set(
                con.execute(
                    "select source, source_record_id from intermediate.int_person_records "
                    "where surname_key = ? and forename_key = ? and dob = ?",
                    [surname, forename, dob],
                ).fetchall()
            )
        if "staging.stg_partner_vs" in tables:
            # Victim Support holds no date of birth: a name alone is only a possible match.
            finding.possible |= {
                ("partner_vs", r)
                for (r,) in con.execute(
                    "select vs_ref from staging.stg_partner_vs "
                    "where surname_key = ? and forename_key = ?",
                    [surname, forename],
                ).fetchall()
            }
    else:
        raise UserError("give --name and --dob, or --ref")
    if "marts.bridge_person_records" in tables and finding.records:
        con.execute("create or replace temp table sar_seed (source varchar, id varchar)")
        con.executemany("insert into sar_seed values (?, ?)", [list(r) for r in finding.records])
        finding.person_keys = {
            k
            for (k,) in con.execute(
                "select distinct person_key from marts.bridge_person_records b "
                "join sar_seed s on b.source = s.source and b.source_record_id = s.id"
            ).fetchall()
        }
        for key in finding.person_keys:
            finding.records |= set(
                con.execute(
                    "select source, source_record_id from marts.bridge_person_records "
                    "where person_key = ?",
                    [key],
                ).fetchall()
            )
    finding.possible -= finding.records
    return finding


def _rows(con, sql: str, params: list) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(sql, params)
    return [c[0] for c in cursor.description], cursor.fetchall()


def collect(con, finding: Finding) -> dict:
    """Every section of the answer, as (columns, rows) tables."""
    tables = _tables(con)
    sections: dict[str, tuple[list[str], list[tuple]]] = {}
    incidents = sorted(r for s, r in finding.records if s == "cc_incidents")
    for source, column in RAW_ID.items():
        ids = sorted(r for s, r in finding.records | finding.possible if s == source)
        if ids and f"raw.{source}" in tables:
            sections[f"records: {SOURCE_LABEL[source]}"] = _rows(
                con,
                f"select * exclude (_sha256) from raw.{source} where {column} in "
                f"(select unnest(?)) order by {column}, _file, _line",
                [ids],
            )
    if incidents and "raw.cc_log" in tables:
        sections["records: incident log entries"] = _rows(
            con,
            "select * exclude (_sha256) from raw.cc_log where urn in (select unnest(?)) "
            "order by urn, try_cast(seq as integer), _file",
            [incidents],
        )
    if incidents and "marts.fct_check_reconciliation" in tables:
        sections["claims and exceptions (has_matching_audit false = exception)"] = _rows(
            con,
            "select * from marts.fct_check_reconciliation where incident_urn in "
            "(select unnest(?)) order by incident_urn, log_seq",
            [incidents],
        )
    if "intermediate.int_person_records" in tables and "intermediate.int_searches" in tables:
        keys = [list(r) for r in finding.records]
        if keys:
            con.execute("create or replace temp table sar_records (source varchar, id varchar)")
            con.executemany("insert into sar_records values (?, ?)", keys)
            sections["searches of them in the systems' audit logs"] = _rows(
                con,
                """
                with me as (
                    select p.* from intermediate.int_person_records p
                    join sar_records r on p.source = r.source and p.source_record_id = r.id
                )
                select distinct s.audit_ref, s.system, s.subject_type, s.searched_at,
                       s.audit_user, s.staff_no
                from intermediate.int_searches s
                join me on (s.surname_key = me.surname_key
                            and s.forename_initial = left(me.forename_key, 1)
                            and s.dob = me.dob)
                        or s.phone_e164 = me.phone_e164
                order by s.searched_at, s.audit_ref
                """,
                [],
            )
    needles = sorted({r for _s, r in finding.records | finding.possible})
    if "audit.quarantine" in tables and needles:
        matches = " or ".join("contains(raw_text, ?)" for _ in needles)
        sections["quarantined rows that mention their references (possible)"] = _rows(
            con,
            "select feed, file_name, line, reason, quarantined_at, raw_text "
            f"from audit.quarantine where {matches} order by quarantined_at",
            needles,
        )
    sections["disclosures of them"] = (["partner"], [])  # "None." unless there are some
    if finding.person_keys and "audit.disclosure_subjects" in tables:
        sections["disclosures of them"] = _rows(
            con,
            "select distinct d.partner, d.agreement, d.dataset, d.period, d.made_at, "
            "d.made_by, d.recipient_fingerprint from audit.disclosures d "
            "join audit.disclosure_subjects s using (disclosure_id) "
            "where s.person_key in (select unnest(?)) order by d.made_at",
            [sorted(finding.person_keys)],
        )
    return sections


def _cell(value) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split()).replace("|", "\\|")
    return text.replace("<", "&lt;").replace(">", "&gt;")[:500]


def render(finding: Finding, sections: dict, made_at: datetime) -> str:
    lines = [
        "# Subject access: records held",
        "",
        f"Prepared {made_at.isoformat(timespec='seconds')} UTC by `dacall sar` for the "
        "information governance team. Not for release as it stands: apply the exemptions "
        "(DPA 2018 s.45(4) for police data; Sch 2 for partners' data) before disclosure.",
        "",
        "- found by: "
        + ("name and date of birth" if finding.looked_up_by == "name_dob" else "reference"),
        f"- people (linked clusters): {len(finding.person_keys)}",
        f"- records: {len(finding.records)}; possible (name only): {len(finding.possible)}",
        "",
    ]
    if finding.possible:
        lines += [
            "Possible matches are Victim Support records with the same name: Victim Support "
            "holds no date of birth, so check them before including them.",
            "",
        ]
    for title, (columns, rows) in sections.items():
        lines += [f"## {title[0].upper()}{title[1:]} ({len(rows)})", ""]
        if not rows:
            lines += ["None.", ""]
            continue
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "---|" * len(columns))
        lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines) + "\n"


def subject_access(
    warehouse: Path | None, out: Path | None, subject: Subject, requested_by: str | None = None
) -> tuple[Path, dict]:
    warehouse = paths.warehouse_or_configured(warehouse)
    con = connect(warehouse, read_only=True)
    try:
        finding = find(con, subject)
        sections = collect(con, finding)
    finally:
        con.close()
    made_at = datetime.now(UTC).replace(tzinfo=None)
    folder = private_dir(Path(out or paths.reports() / "subject_access"))
    request_id = str(uuid.uuid4())
    path = folder / f"sar_{made_at:%Y%m%dT%H%M%S}_{request_id[:8]}.md"
    write_private(path, render(finding, sections, made_at).encode("utf-8"))
    counts = {
        "people": len(finding.person_keys),
        "records": len(finding.records),
        "possible": len(finding.possible),
        "claims": sum(len(r) for t, (_c, r) in sections.items() if t.startswith("claims")),
        "disclosures": len(sections.get("disclosures of them", ([], []))[1]),
    }
    con = connect(warehouse)
    try:
        con.execute(
            "insert into audit.subject_access_requests values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                request_id,
                made_at,
                requested_by or os.environ.get("DACALL_RUN_BY") or getpass.getuser(),
                finding.looked_up_by,
                counts["people"],
                counts["records"],
                counts["claims"],
                counts["disclosures"],
                path.name,
            ],
        )
    finally:
        con.close()
    return path, counts
