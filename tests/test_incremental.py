"""Incremental equals full (issue 16): nights built one after another, each reading only what
is new, hold exactly the tables one full build of the same landing makes, on each night after
the first (which is a full build).

Six generated days arrive over three nightly builds, with a day delivered late (two builds
after it was due), a day resent with a row removed, a log file resent with its entries changed,
a Victim Support file resent with a client's consent withdrawn and another client gone, and a
search (a claim's evidence), a log entry and an incident's older version erased from files
already read (each file stays, one row fewer), so that stored rows must be replaced or dropped,
not only added. A fourth night brings a staff directory that maps a PNC user id differently,
with as many other searches erased from the files holding that user id's searches (so that each
file's searches kept and staged, and their staging build's, are as many as each other), an
incident reopened in a later file with its caller's details put right, and another with its
caller's number left out: the searches must be mapped again and the claims checked again
against the new subject, evidence or none. Real ingestion, real dbt.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb

from compare_warehouses import compare
from conftest import deliveries_by_night, query
from dacall import dbt_parse_cache, linkage_pairs, paths
from dacall.pipeline import ingest_step, transform_step
from dacall.transform import dbt_target

START = date(2025, 3, 1)
LATE = ("audit_cc", "audit_cc_20250302.csv")  # due on the second night, delivered on the last
# The builds: the nights whose deliveries arrive before each.
BUILDS = (
    [START + timedelta(days=n) for n in (1, 2)],
    [START + timedelta(days=n) for n in (3, 4)],
    [START + timedelta(days=n) for n in (5, 6, 7)],
    [],  # a night with only an incident reopened (nothing else to redo its claims)
)
# First-day incidents with a search of the caller's name or number as evidence, most first.
CALLER_MATCHES = (
    "select incident_urn from intermediate.int_claim_evidence "
    "where matches_subject and subject_type in ('PERSON', 'TELEPHONE') "
    "and incident_urn in (select incident_urn from staging.stg_cc_incidents "
    "where source_file = 'cc_incidents_20250301.csv') "
    "group by incident_urn order by count(*) desc, incident_urn"
)
# The older raw row of an incident delivered in two versions (the newer one kept), and its
# incident: the first such by file and line.
AN_OLDER_VERSION = (
    "select raw._file, raw._line, raw.urn from raw.cc_incidents as raw "
    "inner join staging.stg_cc_incidents as kept on raw.urn = kept.incident_urn "
    "where kept.version_count = 2 "
    "and (raw._file, raw._line) <> (kept.source_file, kept.source_line) "
    "order by raw._file, raw._line limit 1"
)
# Incidents with a telephone check claimed and no evidence for it at all: nothing but the
# incident itself can change that claim's status.
UNSEARCHED_TELEPHONE_CLAIMS = (
    "select distinct claim.incident_urn from intermediate.int_check_reconciliation as claim "
    "where claim.subject_type = 'TELEPHONE' and not exists ("
    "select 1 from intermediate.int_claim_evidence as evidence "
    "where evidence.incident_urn = claim.incident_urn and evidence.log_seq = claim.log_seq "
    "and evidence.system = claim.system and evidence.subject_type = claim.subject_type) "
    "order by 1"
)
# PNC claims read from log entries whose latest delivery is day 2's file.
PNC_READINGS_OF_DAY_2 = (
    "select count(*) from intermediate.int_log_entry_readings "
    "where source_file = 'cc_log_20250302.csv' and system = 'PNC'"
)


def _deliver(landing: Path, feed: str, name: str, data: bytes) -> None:
    (landing / feed).mkdir(parents=True, exist_ok=True)
    (landing / feed / name).write_bytes(data)


def _resend_changed(landing: Path) -> None:
    """Two days resent: day 1's RMS audit without its second row, day 2's log with every PNC
    check named as a PND one (so its claims change)."""
    rms = landing / "audit_rms" / "audit_rms_20250301.csv"
    lines = rms.read_bytes().splitlines(keepends=True)
    rms.write_bytes(b"".join(lines[:2] + lines[3:]))
    log = landing / "cc_log" / "cc_log_20250302.csv"
    log.write_bytes(log.read_bytes().replace(b"PNC", b"PND"))


def _build(warehouse: Path) -> dict:
    result = transform_step(warehouse, phase="all")
    assert result["success"], result["failures"]
    return result


def _files_parsed(warehouse: Path, count: str = "parsed_path_count") -> int:
    """How many of the project's files dbt's last parse for `warehouse` read."""
    return json.loads((dbt_target(warehouse) / "perf_info.json").read_text())[count]


def _sentinel(warehouse: Path, text: str | None) -> str | None:
    """Set the search text of one RMS row from day 2 (a file no later night changes), directly
    in staging; returns what it was."""
    where = "source_file = 'audit_rms_20250302.csv' and source_line = 2"
    with duckdb.connect(str(warehouse)) as con:
        (before,) = con.execute(
            f"select search_text from staging.stg_audit_rms where {where}"
        ).fetchall()
        con.execute(f"update staging.stg_audit_rms set search_text = ? where {where}", [text])
    return before[0]


def _assert_equals_one_full_build(
    nightly: Path, landing: Path, erasures: list[tuple], folder: Path
) -> None:
    """Every table of `nightly` (staging to exports) holds the rows of one full build of the
    landing, with the same raw rows erased (each: file, line and feed if not RMS audit)."""
    at_once = folder / "w.duckdb"
    ingest_step(landing, at_once)
    for erasure in erasures:
        _erase(at_once, *erasure)
    _build(at_once)
    lines = compare(at_once, nightly, every_schema=True)
    assert len(lines) >= 40
    assert [line for line in lines if "identical" not in line] == []


def _erase(warehouse: Path, file_name: str, line: int, feed: str = "audit_rms") -> None:
    """One raw row deleted in place, as an erasure or the retention sweep does: its file stays,
    with one row fewer and the same sha256."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"delete from raw.{feed} where _file = ? and _line = ?", [file_name, line])


def _reopen_incident(
    landing: Path,
    urn: str,
    caller_name: str | None = "Quentin Zzyzx",
    caller_tel: str | None = "07700 900999",
) -> None:
    """The last day's incident file also carries a newer version of an earlier incident
    (reopened and regraded, its caller's name and number put right; None keeps one as it was):
    the version kept must be replaced, and the claims of that incident checked again against
    their new subject."""
    files = sorted((landing / "cc_incidents").iterdir())
    last = files[-1]
    versions = []  # the incident's rows, oldest file first
    for delivered in files:
        rows = list(csv.reader(io.StringIO(delivered.read_bytes().decode("latin-1"))))
        header = rows[0]
        versions += [row for row in rows[1:] if row[header.index("URN")] == urn]
    row = versions[-1]
    row[header.index("FINAL_GRADE")] = "4"
    for column, value in (("CALLER_NAME", caller_name), ("CALLER_TEL", caller_tel)):
        if value is not None:
            row[header.index(column)] = value
    last_day = last.name.removeprefix("cc_incidents_").removesuffix(".csv")
    row[header.index("LAST_UPDATED")] = f"{last_day[6:]}/{last_day[4:6]}/{last_day[:4]} 23:59:00"
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(row)
    last.write_bytes(last.read_bytes() + out.getvalue().encode("latin-1"))


def _resend_victim_support(landing: Path) -> tuple[str, str]:
    """The month's Victim Support file resent: its first client's consent withdrawn, its last
    client gone. Returns the two references."""
    (path,) = (landing / "partner_vs").iterdir()
    text = path.read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, first, last = rows[0], rows[1], rows[-1]
    first[header.index("CONSENT")] = "N" if first[header.index("CONSENT")] == "Y" else "Y"
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if "\r\n" in text else "\n").writerows(rows[:-1])
    path.write_bytes(out.getvalue().encode("utf-8"))
    return first[header.index("VS_REF")], last[header.index("VS_REF")]


def _reassign_busiest_pnc_user(landing: Path, warehouse: Path) -> str:
    """The latest staff directory says the PNC user id that searched most was only issued after
    every search (a corrected directory): its searches already read must be mapped again."""
    ((user,),) = query(
        warehouse,
        "select audit_user from intermediate.int_searches where system = 'PNC' "
        "group by audit_user order by count(*) desc, audit_user limit 1",
    )
    latest = max((landing / "staff_directory").iterdir())
    text = latest.read_bytes().decode("latin-1")  # bytes kept as they are
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("PNC_USER")] == user:
            row[header.index("VALID_FROM")] = "2099-01-01"
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if "\r\n" in text else "\n").writerows(rows)
    latest.write_bytes(out.getvalue().encode("latin-1"))
    return user


def _erase_as_many_searches_beside(warehouse: Path, user: str) -> list[tuple]:
    """Erase, from each PNC file staged by the staging build that staged fewest of `user`'s
    searches, as many searches of other user ids as `user` has there: after the user's searches
    are dropped to be mapped again, each of those files, and that build's stamp, holds as many
    searches kept as staged, though not the same ones. Returns the erasures."""
    ((stamp,),) = query(
        warehouse,
        "select staged_at from intermediate.int_searches "
        "where system = 'PNC' and audit_user = ? group by all order by count(*), 1 limit 1",
        [user],
    )
    erasures = []
    for file_name, searches in query(
        warehouse,
        "select source_file, count(*) from intermediate.int_searches "
        "where system = 'PNC' and audit_user = ? and staged_at = ? group by all order by 1",
        [user, stamp],
    ):
        others = query(
            warehouse,
            "select source_line from intermediate.int_searches "
            "where system = 'PNC' and source_file = ? and audit_user <> ? "
            "order by source_line limit ?",
            [file_name, user, searches],
        )
        assert len(others) == searches
        erasures += [(file_name, line, "audit_pnc") for (line,) in others]
    for erasure in erasures:
        _erase(warehouse, *erasure)
    return erasures


def test_nights_built_incrementally_equal_one_full_build(tmp_path):
    from dacall.generate import generate

    generated = tmp_path / "generated"
    generate(generated, start=START, days=6, scale=0.1, seed=7)
    nights = deliveries_by_night(generated, START)
    landing = tmp_path / "landing"
    nightly = tmp_path / "nightly" / "w.duckdb"
    late = None
    refreshed = []
    erasures = []
    for number, build_nights in enumerate(BUILDS, start=1):
        for night in build_nights:
            for feed, name, source in nights[night]:
                if (feed, name) == LATE:
                    late = source.read_bytes()
                    continue
                _deliver(landing, feed, name, source.read_bytes())
        if number == 2:
            _resend_changed(landing)
            # A first-day incident updated in a later file (its grade only): two versions, the
            # older of which the third night erases.
            ((updated,),) = query(
                nightly,
                "select min(incident_urn) from staging.stg_cc_incidents "
                "where source_file = 'cc_incidents_20250301.csv'",
            )
            _reopen_incident(landing, updated, caller_name=None, caller_tel=None)
            # The month's Victim Support file, due after the month, arrives early here.
            (victims,) = (generated / "landing" / "partner_vs").iterdir()
            _deliver(landing, "partner_vs", victims.name, victims.read_bytes())
        if number == 3:
            _deliver(landing, *LATE, late)
            changed_client, gone_client = _resend_victim_support(landing)
            ((consent_before,),) = query(
                nightly,
                "select has_consent from staging.stg_partner_vs where vs_ref = ?",
                [changed_client],
            )
            # A search read on the first night, erased since (the sentinel's file, another row):
            # one that is a claim's evidence, which must go with it.
            ((erased_line,),) = query(
                nightly,
                "select min(source_line) from intermediate.int_searches "
                "where source_file = 'audit_rms_20250302.csv' and source_line > 2 "
                "and audit_ref in (select audit_ref from intermediate.int_claim_evidence)",
            )
            assert erased_line is not None
            _erase(nightly, "audit_rms_20250302.csv", erased_line)
            # A log entry read on the first night and delivered once, erased since.
            ((erased_entry, erased_entry_line),) = query(
                nightly,
                "select urn || '/' || seq, _line from raw.cc_log "
                "where _file = 'cc_log_20250302.csv' and (urn, seq) in "
                "(select (urn, seq) from raw.cc_log group by all having count(*) = 1) "
                "order by _line limit 1",
            )
            _erase(nightly, "cc_log_20250302.csv", erased_entry_line, "cc_log")
            # An incident's older version erased, its latest kept: none of its raw rows is new,
            # but the versions it counts fall, and its kept row must follow.
            ((older_file, older_line, fewer_versions),) = query(nightly, AN_OLDER_VERSION)
            _erase(nightly, older_file, older_line, "cc_incidents")
        if number == 4:
            # On the last night, so that a search not read again would stay lost to the end.
            reassigned = _reassign_busiest_pnc_user(landing, nightly)
            # As many other searches erased from the files of one staging build as that user id
            # has there: their searches here and staged are then as many as each other.
            erasures += _erase_as_many_searches_beside(nightly, reassigned)
            # A first-day incident with searches of its caller's name or number as evidence.
            ((reopened,),) = query(nightly, CALLER_MATCHES + " limit 1")
            _reopen_incident(landing, reopened)
            # And one whose telephone claim had no evidence, its caller's number now left out:
            # the claim's status must follow the incident (no subject), with no evidence to move.
            number_gone = next(
                urn for (urn,) in query(nightly, UNSEARCHED_TELEPHONE_CLAIMS) if urn != reopened
            )
            _reopen_incident(landing, number_gone, caller_name=None, caller_tel="")
        ingest_step(landing, nightly)
        refreshed.append(_build(nightly)["full_refresh"])
        if number == 1:
            (pnc_claims_before,) = query(nightly, PNC_READINGS_OF_DAY_2)[0]
            assert pnc_claims_before > 0
        # Equal to one full build that same night, not only by the last: a change a night
        # missed would otherwise be mended by the next night unseen.
        if number == 2:
            _assert_equals_one_full_build(nightly, landing, [], tmp_path / "at-night-2")
            original = _sentinel(nightly, "SENTINEL")
        if number == 3:
            # The sentinel is set back for the comparison, and again after it.
            erasures += [
                ("audit_rms_20250302.csv", erased_line),
                ("cc_log_20250302.csv", erased_entry_line, "cc_log"),
                (older_file, older_line, "cc_incidents"),
            ]
            assert _sentinel(nightly, original) == "SENTINEL"
            _assert_equals_one_full_build(nightly, landing, erasures, tmp_path / "at-night-3")
            _sentinel(nightly, "SENTINEL")
    # Only the first build read everything; the others read only what was new ...
    assert refreshed == [True, False, False, False]
    # ... the linkage too: its kept pairs are those of tonight's records (dacall.linkage_pairs).
    kept = paths.state(nightly) / linkage_pairs.PAIR_CACHE
    with duckdb.connect(str(kept), read_only=True) as con:
        assert con.execute("select count(*) from records").fetchall() == query(
            nightly, "select count(*) from intermediate.int_person_records"
        )
        assert con.execute("select count(*) from pairs").fetchall()[0][0] > 0
    # ... so a row no night changed was not read again (the sentinel survived the last build).
    assert _sentinel(nightly, original) == "SENTINEL"

    _assert_equals_one_full_build(nightly, landing, erasures, tmp_path / "at-once")
    # The changes reached the models: the erased search is gone from staging and the searches,
    # the removed row is gone, the resent log's claims changed.
    erased = "where source_file = 'audit_rms_20250302.csv' and source_line = ?"
    for model in ("staging.stg_audit_rms", "intermediate.int_searches"):
        assert query(nightly, f"select count(*) from {model} {erased}", [erased_line]) == [(0,)]
    assert query(
        nightly,
        "select count(*) from staging.stg_cc_log where incident_urn || '/' || log_seq = ?",
        [erased_entry],
    ) == [(0,)]
    assert query(
        nightly,
        "select version_count from staging.stg_cc_incidents where incident_urn = ?",
        [fewer_versions],
    ) == query(nightly, "select count(*) from raw.cc_incidents where urn = ?", [fewer_versions])
    assert query(
        nightly,
        "select count(*) from staging.stg_audit_rms where source_file = 'audit_rms_20250301.csv'",
    ) == [(len((landing / "audit_rms" / "audit_rms_20250301.csv").read_bytes().splitlines()) - 1,)]
    assert query(nightly, PNC_READINGS_OF_DAY_2)[0][0] < pnc_claims_before
    # The resent Victim Support file reached staging: a changed client, a client gone.
    assert query(
        nightly,
        "select has_consent from staging.stg_partner_vs where vs_ref = ?",
        [changed_client],
    ) == [(not consent_before,)]
    assert query(
        nightly, "select count(*) from staging.stg_partner_vs where vs_ref = ?", [gone_client]
    ) == [(0,)]
    # The reopened incident's newer version replaced the one kept.
    assert query(
        nightly,
        "select final_grade, version_count from staging.stg_cc_incidents where incident_urn = ?",
        [reopened],
    ) == [(4, 2)]
    # ... and its claims were checked again against its new caller, whom nobody searched.
    assert reopened not in [urn for (urn,) in query(nightly, CALLER_MATCHES)]
    # The incident whose caller's number was left out: its telephone claims have no subject now.
    assert query(
        nightly,
        "select distinct status from intermediate.int_check_reconciliation "
        "where incident_urn = ? and subject_type = 'TELEPHONE'",
        [number_gone],
    ) == [("NO_SUBJECT",)]
    # The searches of a user id whose directory rows changed were mapped again: to nobody.
    assert (
        query(
            nightly,
            "select count(*), count(staff_no) from intermediate.int_searches "
            "where system = 'PNC' and audit_user = ?",
            [reassigned],
        )[0][1]
        == 0
    )

    # A change to the code or configuration rebuilds everything from raw (the fingerprint),
    # from a parse of the whole project (a night parses only what changed: here, nothing) ...
    assert _files_parsed(nightly) == 0
    _sentinel(nightly, "SENTINEL")
    (dbt_target(nightly) / dbt_parse_cache.WHOLE_FILE).unlink(missing_ok=True)
    with duckdb.connect(str(nightly)) as con:
        con.execute("update audit.model_builds set fingerprint = 'an older release'")
    assert _build(nightly)["full_refresh"] is True
    assert _sentinel(nightly, original) == original
    assert _files_parsed(nightly) == _files_parsed(nightly, "path_count") > 100
    # ... unless the parse kept is recorded as a whole parse of the dbt project's files as they
    # are, as that one now is (dacall.dbt_parse_cache): here no file of the project changed.
    with duckdb.connect(str(nightly)) as con:
        con.execute("update audit.model_builds set fingerprint = 'an older release'")
    assert _build(nightly)["full_refresh"] is True
    assert _files_parsed(nightly) == 0
    shutil.rmtree(tmp_path / "generated")
