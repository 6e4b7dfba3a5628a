"""The review app's own database: outcomes, sessions and the access log.

SQLite by default (a file beside the warehouse, readable only by its owner); any SQLAlchemy
URL in DACALL_REVIEW_DB, e.g. PostgreSQL in docker compose. The pipeline reads the outcomes
from here (dacall.review.outcomes); it never writes.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from dacall import paths
from dacall.settings import UserError
from dacall.warehouse import private_dir

metadata = sa.MetaData()

outcomes = sa.Table(
    "review_outcomes",
    metadata,
    sa.Column("outcome_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("incident_urn", sa.String(40), nullable=False, index=True),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("reviewer", sa.String(80), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
)

# Who looked at what, when (Data Protection Act 2018 s.62 applies to this tool too).
access_log = sa.Table(
    "review_access_log",
    metadata,
    sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("user_name", sa.String(80), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),  # view_case | record_outcome | log_in
    sa.Column("incident_urn", sa.String(40)),
)

sessions = sa.Table(
    "review_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(80), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def default_sqlite(warehouse: Path | None = None) -> Path:
    return paths.warehouse_or_configured(warehouse).resolve().parent / "review" / "review.sqlite3"


def database_url(warehouse: Path | None = None) -> str:
    return os.environ.get("DACALL_REVIEW_DB") or f"sqlite:///{default_sqlite(warehouse)}"


@cache
def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite:///"):
        private_dir(Path(url.removeprefix("sqlite:///")).parent)
    try:
        engine = sa.create_engine(url)
    except Exception as exc:  # noqa: BLE001 - a malformed URL or a missing driver
        raise UserError(f"cannot use the review database: {type(exc).__name__}") from exc
    return engine


def engine(url: str) -> sa.Engine:
    """The database, its tables created if missing (the SQLite file owner-only)."""
    eng = _engine(url)
    old_umask = os.umask(0o077)
    try:
        metadata.create_all(eng)
    except sa.exc.SQLAlchemyError as exc:
        raise UserError(f"cannot open the review database: {type(exc).__name__}") from exc
    finally:
        os.umask(old_umask)
    return eng


def record_outcome(eng, incident_urn: str, outcome: str, note: str, reviewer: str) -> None:
    at = now()
    with eng.begin() as con:
        con.execute(
            outcomes.insert().values(
                incident_urn=incident_urn,
                outcome=outcome,
                note=note,
                reviewer=reviewer,
                recorded_at=at,
            )
        )
        con.execute(
            access_log.insert().values(
                at=at, user_name=reviewer, action="record_outcome", incident_urn=incident_urn
            )
        )


def log_access(eng, user_name: str, action: str, incident_urn: str | None = None) -> None:
    with eng.begin() as con:
        con.execute(
            access_log.insert().values(
                at=now(), user_name=user_name, action=action, incident_urn=incident_urn
            )
        )


def outcomes_of(eng, incident_urn: str) -> list[dict]:
    with eng.connect() as con:
        rows = con.execute(
            sa.select(outcomes)
            .where(outcomes.c.incident_urn == incident_urn)
            .order_by(outcomes.c.recorded_at.desc())
        ).mappings()
        return [dict(row) for row in rows]


def all_outcomes(eng) -> list[tuple]:
    with eng.connect() as con:
        return [
            tuple(row)
            for row in con.execute(
                sa.select(
                    outcomes.c.outcome_id,
                    outcomes.c.incident_urn,
                    outcomes.c.outcome,
                    outcomes.c.note,
                    outcomes.c.reviewer,
                    outcomes.c.recorded_at,
                ).order_by(outcomes.c.outcome_id)
            )
        ]
