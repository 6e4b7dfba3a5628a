"""The generator: formats to the byte, determinism, volumes, defects and an answer key that
agrees with the feeds. The readers here are deliberately independent of dacall.ingest."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import STATUSES
from dacall.generate import generate

CSV_FEEDS = {
    # feed: (encoding, line end, BOM, header)
    "cc_incidents": ("cp1252", b"\r\n", False, "URN,CREATED,CHANNEL,ANSWERED,CALL_END"),
    "cc_log": ("cp1252", b"\r\n", False, "URN,SEQ,ENTRY_TIME,OPERATOR,ENTRY_TYPE,TEXT"),
    "audit_cc": ("cp1252", b"\r\n", False, "USER,TIME,SEARCH_TYPE,SEARCH_VALUE,RESULTS"),
    "audit_rms": ("utf-8", b"\n", False, "AUDIT_ID,USER_ID,ACTION,TIMESTAMP,SEARCH_TEXT,RECORD_ID"),
    "staff_directory": ("utf-8", b"\n", False, "STAFF_NO,PNC_USER,PND_USER,SURNAME,FORENAME"),
    "partner_marac": ("utf-8", b"\r\n", True, "Case Ref,Referral Date,Meeting Date"),
    "partner_mash": ("utf-8", b"\n", False, "referral_id,received,subject_name"),
    "partner_vs": ("utf-8", b"\n", False, "VS_REF,REFERRED_ON,CLIENT_NAME,CLIENT_PHONE"),
}
LOCAL_DMY = re.compile(r"^\d\d/\d\d/\d{4} \d\d:\d\d:\d\d$")


def strict_csv(path: Path, encoding: str, line_end: bytes, bom: bool) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") == bom, path
    if bom:
        data = data[3:]
    assert data.endswith(line_end), path
    if line_end == b"\r\n":
        # Every record ends CRLF; a bare LF appears only inside quoted text.
        outside = re.sub(rb'"(?:[^"]|"")*"', b"", data)
        assert outside.count(b"\n") == outside.count(b"\r\n"), path
    else:
        assert b"\r" not in data, path
    text = data.decode(encoding)  # strict: raises on a byte the encoding does not have
    rows = list(csv.reader(io.StringIO(text, newline="")))
    width = len(rows[0])
    assert all(len(row) == width for row in rows), path
    return rows


def files(root: Path, feed: str) -> list[Path]:
    return sorted((root / "landing" / feed).iterdir())


def test_every_feed_is_written_in_its_exact_format(generated):
    for feed, (encoding, line_end, bom, header) in CSV_FEEDS.items():
        paths = files(generated, feed)
        assert paths, feed
        for path in paths:
            rows = strict_csv(path, encoding, line_end, bom)
            assert ",".join(rows[0]).startswith(header), path
    # Windows-1252 bytes 0x80-0x9F (curly quotes, dashes, the euro sign) really occur.
    log_bytes = b"".join(p.read_bytes() for p in files(generated, "cc_log"))
    assert {b"\x93", b"\x94", b"\x92", b"\x96", b"\x80"} <= {bytes([b]) for b in log_bytes}
    # Quoted multi-line log text.
    assert any(
        "\n" in row[5]
        for p in files(generated, "cc_log")
        for row in strict_csv(p, "cp1252", b"\r\n", False)[1:]
    )
    # PNC: fixed width, 96 ASCII characters a line, LF, no header.
    for path in files(generated, "audit_pnc"):
        data = path.read_bytes()
        assert b"\r" not in data and data.decode("ascii")
        for line in data.decode("ascii").splitlines():
            assert len(line) == 96 and re.fullmatch(r"\d{8}\d{6}", line[20:34]), line
            assert line[34:38] in {"QNAM", "QVRM", "QDRV", "UPDT"}
    # PND: JSON Lines, UTF-8, ts in UTC with a Z, unknown extra keys present.
    keys = Counter()
    for path in files(generated, "audit_pnd"):
        for line in path.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["ts"])
            assert event["search"]["kind"] in {
                "person",
                "location",
                "telephone",
                "vehicle",
                "organisation",
            }
            keys.update(list(event))
    assert keys["client"] > 0 and keys["session"] > 0


def test_local_time_and_utc_are_each_feeds_own(generated):
    """A verified RMS search is written in local time (BST in summer), PNC in UTC."""
    truth = list(csv.DictReader((generated / "truth" / "claims.csv").open()))
    checked = Counter()
    for claim in truth:
        if claim["expected_status"] != "VERIFIED" or checked[claim["system"]] >= 20:
            continue
        system, rest = claim["audit_ref"].split(":", 1)
        at_utc = datetime.fromisoformat(rest.rsplit(":", 1)[0])
        if system == "RMS":
            from dacall.generate.clock import to_local

            local = to_local(at_utc)
            text = (
                generated / "landing" / "audit_rms" / f"audit_rms_{local:%Y%m%d}.csv"
            ).read_text()
            assert f"{claim['claimed_by']},SEARCH_" in text
            assert local.strftime("%Y-%m-%d %H:%M:%S") in text
            checked["RMS"] += 1
        if system == "PNC":
            text = (
                generated / "landing" / "audit_pnc" / f"audit_pnc_{at_utc:%Y%m%d}.txt"
            ).read_text()
            assert at_utc.strftime("%Y%m%d%H%M%S") in text
            checked["PNC"] += 1
    assert checked["RMS"] >= 20 and checked["PNC"] >= 20
    # The period straddles the spring clock change: summer local times are UTC + 1.
    assert date(2025, 3, 30) in [
        datetime.strptime(p.stem[-8:], "%Y%m%d").date() for p in files(generated, "audit_rms")
    ]


def test_clock_changes_write_no_impossible_or_ambiguous_local_times(tmp_path):
    for start in (date(2025, 3, 29), date(2025, 10, 25)):
        out = tmp_path / start.isoformat()
        generate(out, start=start, days=3, scale=0.3, seed=3)
        for feed in ("cc_incidents", "cc_log", "audit_cc"):
            for path in files(out, feed):
                for row in strict_csv(path, "cp1252", b"\r\n", False)[1:]:
                    for value in row:
                        if LOCAL_DMY.match(value) and value.startswith("30/03/2025"):
                            assert not value[11:13] == "01", f"no 01:xx exists on 30/03: {value}"


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_the_same_bytes(tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((first, 11), (second, 11), (other, 12)):
        generate(out, start=date(2025, 6, 1), days=6, scale=0.2, seed=seed)
    assert _digest(first) == _digest(second)
    assert _digest(first) != _digest(other)


def test_volumes_scale_and_match_the_published_figures(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    r1 = generate(one, start=date(2025, 5, 1), days=14, scale=1, seed=5)
    r2 = generate(two, start=date(2025, 5, 1), days=14, scale=2, seed=5)
    domestic = sum(
        1
        for row in csv.DictReader((one / "truth" / "incidents.csv").open())
        if row["domestic"] == "Y"
    )
    per_year = domestic * 365 / 14
    assert 23_000 < per_year < 33_000  # about 27,500 a year (May runs a little above average)
    audit = sum(r1.rows[f] for f in ("audit_pnc", "audit_pnd", "audit_rms", "audit_cc"))
    assert audit * 365 / 14 > 3_000_000
    for feed in ("cc_incidents", "audit_rms", "audit_pnc"):
        assert 1.7 < r2.rows[feed] / r1.rows[feed] < 2.3, feed


def test_defects_and_statuses_all_occur(generated):
    statuses = Counter(
        r["expected_status"] for r in csv.DictReader((generated / "truth" / "claims.csv").open())
    )
    assert set(statuses) == set(STATUSES)
    deliveries = list(csv.DictReader((generated / "truth" / "deliveries.csv").open()))
    assert any(d["delivery"] == "2" for d in deliveries)
    assert any(d["note"] == "late" for d in deliveries)
    # Reopened incidents appear in two daily files.
    seen = Counter()
    for path in files(generated, "cc_incidents"):
        seen.update(row[0] for row in strict_csv(path, "cp1252", b"\r\n", False)[1:])
    assert any(n > 1 for n in seen.values())
    # Staff join, leave and change user ids: one staff number, two PNC ids over time.
    last = files(generated, "staff_directory")[-1]
    rows = strict_csv(last, "utf-8", b"\n", False)[1:]
    by_staff = Counter(row[0] for row in rows)
    assert any(n > 1 for n in by_staff.values())
    assert any(row[8] for row in rows)  # somebody left


def test_answer_key_agrees_with_the_feeds(generated):
    truth = generated / "truth"
    urns = set()
    for path in files(generated, "cc_incidents"):
        urns.update(row[0] for row in strict_csv(path, "cp1252", b"\r\n", False)[1:])
    entries = set()
    for path in files(generated, "cc_log"):
        entries.update((row[0], row[1]) for row in strict_csv(path, "cp1252", b"\r\n", False)[1:])
    incidents = list(csv.DictReader((truth / "incidents.csv").open()))
    assert {row["incident_urn"] for row in incidents} == urns
    for claim in csv.DictReader((truth / "claims.csv").open()):
        assert (claim["incident_urn"], claim["log_seq"]) in entries
    partner_ids = {}
    for feed, column in (("partner_marac", 0), ("partner_mash", 0), ("partner_vs", 0)):
        encoding_bom = feed == "partner_marac"
        for path in files(generated, feed):
            rows = strict_csv(path, "utf-8", b"\r\n" if encoding_bom else b"\n", encoding_bom)
            partner_ids[feed] = partner_ids.get(feed, set()) | {row[column] for row in rows[1:]}
    people = list(csv.DictReader((truth / "person_records.csv").open()))
    for record in people:
        if record["source"] == "cc_incidents":
            assert record["source_record_id"] in urns
        else:
            assert record["source_record_id"] in partner_ids[record["source"]]
    assert sum(len(v) for v in partner_ids.values()) == sum(
        1 for r in people if r["source"] != "cc_incidents"
    )
    missed = [r for r in incidents if r["missed_history"] == "Y"]
    assert missed and all(r["history_visible"] == "Y" for r in missed)


@pytest.mark.parametrize("scale", [0, -1, 1000])
def test_bad_scale_is_refused(scale, tmp_path):
    import subprocess
    import sys

    dacall = Path(sys.executable).with_name("dacall")
    result = subprocess.run(
        [dacall, "generate", "--out", tmp_path, "--scale", str(scale)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "scale" in result.stderr
