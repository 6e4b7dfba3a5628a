"""The pipeline's side of the review loop: copy the app's outcomes into raw.review_outcomes.

Called at the start of every run (dacall.pipeline.ingest_step), so the run's queue leaves
reviewed incidents out and mart_review_outcomes_monthly counts them. A full copy each time:
the table is small, and a corrected outcome replaces nothing in place.
"""

from __future__ import annotations

from pathlib import Path

from dacall.review import store

DDL = """
create table raw.review_outcomes (
    outcome_id bigint not null,
    incident_urn varchar not null,
    outcome varchar not null,
    note varchar,
    reviewer varchar not null,
    recorded_at timestamp not null,
    _loaded_at timestamp not null
)
"""


def load_outcomes(warehouse: Path) -> int:
    """Replace raw.review_outcomes with the app's outcomes; returns how many."""
    from dacall.warehouse import connect

    url = store.database_url(warehouse)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        rows = []  # the app has never run: nothing reviewed yet
    else:
        rows = store.all_outcomes(store.engine(url))
    loaded_at = store.now()
    con = connect(warehouse)
    try:
        con.execute("begin")
        con.execute("drop table if exists raw.review_outcomes")
        con.execute(DDL)
        if rows:
            con.executemany(
                "insert into raw.review_outcomes values (?, ?, ?, ?, ?, ?, ?)",
                [(*row, loaded_at) for row in rows],
            )
        con.execute("commit")
    finally:
        con.close()
    return len(rows)
