"""The ten feeds' formats, in one table: file name, encoding, line ending and layout.

Everything that writes a landing file reads its format here (shared/spec/feeds.md): a CSV with
its header, or lines of text with none (PNC's fixed width, PND's JSON Lines); daily or monthly;
dated in UTC or in Europe/London.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from dacall.generate import writers
from dacall.generate.clock import fmt_local, to_local
from dacall.generate.incidents import Incident
from dacall.generate.partners import MARAC_HEADER, MASH_HEADER, VS_HEADER
from dacall.generate.staff import Spell

INCIDENT_HEADER = [
    "URN",
    "CREATED",
    "CHANNEL",
    "ANSWERED",
    "CALL_END",
    "ABANDONED",
    "SILENT",
    "CALLBACK_AT",
    "CALLBACK_BY",
    "CALLER_NAME",
    "CALLER_DOB",
    "CALLER_TEL",
    "LOCATION",
    "POSTCODE",
    "UPRN",
    "OPEN_CODE",
    "CLOSE_CODE",
    "QUALIFIERS",
    "INIT_GRADE",
    "FINAL_GRADE",
    "DEPLOYED",
    "FIRST_DISPATCH",
    "FIRST_ARRIVAL",
    "RISK_LEVEL",
    "HANDLER",
    "SUPERVISOR",
    "CLOSED",
    "LAST_UPDATED",
]
LOG_HEADER = ["URN", "SEQ", "ENTRY_TIME", "OPERATOR", "ENTRY_TYPE", "TEXT"]
RMS_HEADER = ["AUDIT_ID", "USER_ID", "ACTION", "TIMESTAMP", "SEARCH_TEXT", "RECORD_ID"]
CAD_HEADER = ["USER", "TIME", "SEARCH_TYPE", "SEARCH_VALUE", "RESULTS"]
STAFF_HEADER = [
    "STAFF_NO",
    "PNC_USER",
    "PND_USER",
    "SURNAME",
    "FORENAME",
    "ROLE",
    "TEAM",
    "VALID_FROM",
    "VALID_TO",
]


@dataclass(frozen=True)
class FeedFormat:
    extension: str
    encoding: str
    header: list[str] | None  # None: lines of text with no header (fixed width, JSON Lines)
    crlf: bool = False
    bom: bool = False
    monthly: bool = False
    utc: bool = False  # the file's day and its times are UTC, not Europe/London
    system: str | None = None  # the system whose audit this is
    snapshot: bool = False  # a full snapshot every day: never late, never short


# In delivery order: the order of this table is part of what a seed reproduces.
FEEDS: dict[str, FeedFormat] = {
    "cc_incidents": FeedFormat("csv", "cp1252", INCIDENT_HEADER, crlf=True),
    "cc_log": FeedFormat("csv", "cp1252", LOG_HEADER, crlf=True),
    "audit_pnc": FeedFormat("txt", "ascii", None, utc=True, system="PNC"),
    "audit_pnd": FeedFormat("jsonl", "utf-8", None, utc=True, system="PND"),
    "audit_rms": FeedFormat("csv", "utf-8", RMS_HEADER, system="RMS"),
    "audit_cc": FeedFormat("csv", "cp1252", CAD_HEADER, crlf=True, system="CAD"),
    "staff_directory": FeedFormat("csv", "utf-8", STAFF_HEADER, snapshot=True),
    "partner_marac": FeedFormat("csv", "utf-8", MARAC_HEADER, crlf=True, bom=True, monthly=True),
    "partner_mash": FeedFormat("csv", "utf-8", MASH_HEADER, monthly=True),
    "partner_vs": FeedFormat("csv", "utf-8", VS_HEADER, monthly=True),
}
DAILY_FEEDS = [name for name, feed in FEEDS.items() if not feed.monthly]
DELAYABLE_FEEDS = [name for name in DAILY_FEEDS if not FEEDS[name].snapshot]
FEED_OF_SYSTEM = {feed.system: name for name, feed in FEEDS.items() if feed.system}


def file_path(landing: Path, feed: str, day: date) -> Path:
    stamp = day.strftime("%Y%m") if FEEDS[feed].monthly else day.strftime("%Y%m%d")
    return landing / feed / f"{feed}_{stamp}.{FEEDS[feed].extension}"


def file_day(feed: str, at: datetime) -> date:
    """The day of the file a row written at `at` (naive UTC) belongs to."""
    return at.date() if FEEDS[feed].utc else to_local(at).date()


def encode(feed: str, rows: list) -> bytes:
    """A whole file's bytes: an empty day is a header-only CSV or an empty file."""
    fmt = FEEDS[feed]
    if fmt.header is None:
        return "".join(line + "\n" for line in rows).encode(fmt.encoding)
    return writers.csv_bytes(fmt.header, rows, encoding=fmt.encoding, crlf=fmt.crlf, bom=fmt.bom)


def incident_row(inc: Incident) -> list[str]:
    yn = {True: "Y", False: "N"}
    return [
        inc.urn,
        fmt_local(inc.created),
        inc.channel,
        fmt_local(inc.answered),
        fmt_local(inc.call_end),
        yn[inc.abandoned],
        yn[inc.silent],
        fmt_local(inc.callback_at),
        inc.callback_by,
        inc.caller_name,
        inc.caller_dob.strftime("%d/%m/%Y") if inc.caller_dob else "",
        inc.caller_tel,
        inc.location,
        inc.postcode,
        inc.uprn,
        inc.open_code,
        inc.close_code,
        ";".join(inc.qualifiers),
        str(inc.init_grade),
        str(inc.final_grade),
        yn[inc.deployed],
        fmt_local(inc.first_dispatch),
        fmt_local(inc.first_arrival),
        inc.risk_level,
        inc.handler,
        inc.supervisor,
        fmt_local(inc.closed),
        fmt_local(inc.last_updated),
    ]


def log_rows(inc: Incident) -> list[tuple[int, list[str]]]:
    """(sequence, row) for each of an incident's log entries."""
    return [
        (
            entry.seq,
            [
                inc.urn,
                str(entry.seq),
                fmt_local(entry.at),
                entry.operator,
                entry.entry_type,
                entry.text,
            ],
        )
        for entry in inc.log
    ]


def staff_row(spell: Spell) -> list[str]:
    return [
        spell.staff_no,
        spell.pnc_user or "",
        spell.pnd_user or "",
        spell.surname,
        spell.forename,
        spell.role,
        spell.team,
        spell.valid_from.isoformat(),
        spell.valid_to.isoformat() if spell.valid_to else "",
    ]
