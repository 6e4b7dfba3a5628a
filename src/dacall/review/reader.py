"""The app's read side: queries over the published snapshot, never the warehouse.

One read-only DuckDB connection, reopened when the pipeline swaps in a new snapshot (the
file's identity changes); each request uses its own cursor.
"""

from __future__ import annotations

import os
import threading
from datetime import date
from pathlib import Path

import duckdb

from dacall.settings import UserError

QUEUE_PAGE = 100


def _as_given(value):
    return value


# The queue's filters: the form field, the condition it adds, and how its value is read.
QUEUE_FILTERS = {
    "band": ("band = ?", _as_given),
    "team": ("team = ?", _as_given),
    "shift": ("shift = ?", _as_given),
    "system": ("list_contains(string_split(exception_systems, ','), ?)", _as_given),
    "date": ("created_on = ?", date.fromisoformat),
}


class Snapshot:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple | None = None
        self._options: dict | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise UserError(
                f"no published snapshot at {self.path}: run the pipeline (`dacall run`) first"
            ) from None
        identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if identity != self._identity:
                if self._con is not None:
                    self._con.close()
                self._con = duckdb.connect(str(self.path), read_only=True)
                self._identity = identity
                self._options = None
            return self._con.cursor()

    def _rows(self, sql: str, params=None) -> list[dict]:
        cur = self.cursor()
        try:
            result = cur.execute(sql, params or [])
            names = [d[0] for d in result.description]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        finally:
            cur.close()

    def published(self) -> dict:
        rows = self._rows("select published_at, run_id from marts.published")
        return rows[0] if rows else {}

    def options(self) -> dict:
        """Filter choices present in the queue (cached per snapshot)."""
        self.cursor().close()
        if self._options is None:
            teams = [
                r["team"]
                for r in self._rows(
                    "select distinct team from marts.fct_review_queue order by team"
                )
            ]
            systems = [
                r["system"]
                for r in self._rows(
                    "select distinct unnest(string_split(exception_systems, ',')) as system "
                    "from marts.fct_review_queue where exception_systems != '' order by system"
                )
            ]
            self._options = {"teams": teams, "systems": systems}
        return self._options

    def queue(self, filters: dict, page: int = 1) -> tuple[list[dict], dict]:
        chosen = [
            (clause, read(filters[name]))
            for name, (clause, read) in QUEUE_FILTERS.items()
            if filters.get(name)
        ]
        where = " and ".join(clause for clause, _ in chosen) or "true"
        params = [value for _, value in chosen]
        counts = {
            r["band"]: r["incidents"]
            for r in self._rows(
                f"select band, count(*) as incidents from marts.fct_review_queue where {where} "
                "group by band",
                params,
            )
        }
        rows = self._rows(
            f"select * from marts.fct_review_queue where {where} order by queue_position "
            f"limit {QUEUE_PAGE} offset ?",
            [*params, (page - 1) * QUEUE_PAGE],
        )
        return rows, counts

    def case(self, incident_urn: str) -> dict | None:
        incident = self._rows(
            "select * from marts.fct_incidents where incident_urn = ?", [incident_urn]
        )
        if not incident:
            return None
        queued = self._rows(
            "select * from marts.fct_review_queue where incident_urn = ?", [incident_urn]
        )
        history = self._rows(
            "select * from marts.fct_prior_history where incident_urn = ?", [incident_urn]
        )
        entries = self._rows(
            "select * from marts.fct_review_log_entries where incident_urn = ? order by log_seq",
            [incident_urn],
        )
        claims = self._rows(
            "select * from marts.fct_check_reconciliation where incident_urn = ? "
            "order by log_seq, system, subject_type",
            [incident_urn],
        )
        evidence = self._rows(
            "select * from marts.fct_review_evidence where incident_urn = ? "
            "order by decided_status desc, audit_at",
            [incident_urn],
        )
        partners = self._rows(
            "select * from marts.fct_review_partner_history where incident_urn = ? "
            "order by referred_on desc",
            [incident_urn],
        )
        for claim in claims:
            claim["evidence"] = [
                e
                for e in evidence
                if (e["log_seq"], e["system"], e["subject_type"])
                == (claim["log_seq"], claim["system"], claim["subject_type"])
            ]
        for entry in entries:
            entry["claims"] = [c for c in claims if c["log_seq"] == entry["log_seq"]]
        return {
            "incident": incident[0],
            "queued": queued[0] if queued else None,
            "history": history[0] if history else None,
            "entries": entries,
            "claims": claims,
            "partners": partners,
        }

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
                self._identity = None
