"""The worked examples of docs/analysts.md run, read-only on the published snapshot (where
analysts are told to read), and return rows."""

from __future__ import annotations

import re

import duckdb
import pytest

from dacall.settings import PROJECT_ROOT

EXAMPLES = re.findall(
    r"```sql\n(.*?)```", (PROJECT_ROOT / "docs" / "analysts.md").read_text(), flags=re.S
)


def test_there_are_worked_examples():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("sql", EXAMPLES, ids=[f"example {i + 1}" for i in range(len(EXAMPLES))])
def test_worked_example_runs_read_only(sql, generated_warehouse):
    from dacall.review.snapshot import snapshot_path

    con = duckdb.connect(str(snapshot_path(generated_warehouse)), read_only=True)
    try:
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    assert rows
