"""The `changed_rows` incremental strategy (dbt/macros/changed_rows.sql): after each build the
model holds exactly the rows its query gives, as a table would, and the rows that did not
change are not written again. Real dbt and DuckDB, on a one-model project beside the strategy's
own macro file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

MACRO = Path(__file__).resolve().parents[1] / "dbt" / "macros" / "changed_rows.sql"

MODEL = """
{{ config(materialized='incremental', incremental_strategy='changed_rows',
          unique_key=['id', 'part'], on_schema_change='fail') }}
select id, part, note, amount from main.source_rows order by id desc, part desc
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "macros").mkdir()
    shutil.copy(MACRO, tmp_path / "macros")
    (tmp_path / "models" / "kept.sql").write_text(MODEL)
    (tmp_path / "dbt_project.yml").write_text(
        "name: strategy\nversion: '1.0.0'\nconfig-version: 2\nprofile: strategy\n"
    )
    (tmp_path / "profiles.yml").write_text(
        "strategy:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {tmp_path / 'w.duckdb'}\n      threads: 1\n"
    )
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute(
            "create table source_rows (id integer, part varchar, note varchar, amount double)"
        )
        con.execute(
            "insert into source_rows values (1, 'a', 'one', 1.0), (2, 'a', null, 2.0), "
            "(3, 'a', 'three', null), (3, 'b', 'three b', 3.5), (4, 'a', 'four', 4.0)"
        )
    return tmp_path


def build(project: Path) -> None:
    # In its own process, as dacall runs dbt: dbt keeps its DuckDB open for the process's life.
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "run", "--project-dir", str(project), "--profiles-dir", str(project)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=project)
    assert done.returncode == 0, done.stdout[-2000:]


def change(project: Path, *statements: str) -> None:
    with duckdb.connect(str(project / "w.duckdb")) as con:
        for statement in statements:
            con.execute(statement)


def rows_and_row_ids(project: Path) -> tuple[list, list, dict]:
    """The model's rows, the source's rows (both sorted) and each model row's rowid."""
    with duckdb.connect(str(project / "w.duckdb"), read_only=True) as con:
        kept = con.execute("select id, part, note, amount from main.kept order by all").fetchall()
        source = con.execute("select * from main.source_rows order by all").fetchall()
        row_ids = dict(
            ((id_, part), row_id)
            for id_, part, row_id in con.execute("select id, part, rowid from main.kept").fetchall()
        )
    return kept, source, row_ids


def test_a_build_writes_only_the_rows_that_changed_and_ends_equal_to_its_query(project):
    build(project)  # the first build makes the table
    kept, source, first = rows_and_row_ids(project)
    assert kept == source

    # The model's query puts a new row first, so a build that wrote every row again would give
    # every row another rowid; the unchanged rows keep theirs. Unchanged: (4, a), (3, b), and
    # (3, a), whose null compares equal to itself. Changed: (2, a), a null made a value, and
    # (1, a), a value changed. New: (5, a).
    change(
        project,
        "update source_rows set note = 'two' where id = 2",
        "update source_rows set amount = 1.5 where id = 1",
        "insert into source_rows values (5, 'a', 'five', 5.0)",
    )
    build(project)
    kept, source, second = rows_and_row_ids(project)
    assert kept == source
    unchanged = [(4, "a"), (3, "b"), (3, "a")]
    assert {key: second[key] for key in unchanged} == {key: first[key] for key in unchanged}

    # A row gone, and a row whose key's second column alone changed (another row).
    change(
        project,
        "delete from source_rows where id = 1",
        "update source_rows set part = 'c' where id = 2",
    )
    build(project)
    kept, source, third = rows_and_row_ids(project)
    assert kept == source
    assert (1, "a") not in third and (2, "a") not in third and (2, "c") in third
    unchanged.append((5, "a"))
    assert {key: third[key] for key in unchanged} == {key: second[key] for key in unchanged}


def test_a_key_held_twice_replaces_every_row_and_still_ends_equal_to_its_query(project):
    build(project)
    # Two rows of one key, one of them equal to a row already kept: pairing by key would be
    # ambiguous, so every row is written again, duplicates included.
    change(project, "insert into source_rows values (1, 'a', 'one', 1.0), (1, 'a', 'uno', 1.0)")
    build(project)
    kept, source, _ = rows_and_row_ids(project)
    assert kept == source and len(kept) == 7

    # The model now holds a key twice: the next build replaces everything again, so the copy
    # of (1, 'a', 'one') that is gone from the source does not stay behind.
    change(project, "delete from source_rows where id = 1 and note = 'uno'")
    change(
        project,
        "delete from source_rows where rowid = (select min(rowid) from source_rows where id = 1)",
    )
    build(project)
    kept, source, _ = rows_and_row_ids(project)
    assert kept == source and [row for row in kept if row[0] == 1] == [(1, "a", "one", 1.0)]
