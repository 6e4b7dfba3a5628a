"""The `changed_rows` materialization (dbt/macros/changed_rows.sql) on a small dbt project of its
own, run by real dbt on real DuckDB: after every kind of change the table holds exactly the
query's rows, a night with nothing changed writes nothing, and a column added or retyped
rebuilds the table whole rather than keeping the old column."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

MACRO = Path(__file__).resolve().parents[1] / "dbt" / "macros" / "changed_rows.sql"
DBT = str(Path(sys.executable).with_name("dbt"))

MODEL = """{{{{ config(materialized='changed_rows') }}}}
select {columns} from raw.rows
"""
CONTRACT = """models:
  - name: m
    config:
      contract: {{enforced: true}}
    columns:
{columns}
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "macros").mkdir()
    shutil.copy(MACRO, tmp_path / "macros")
    (tmp_path / "dbt_project.yml").write_text(
        "name: changed_rows_test\nversion: '1.0'\nprofile: changed_rows_test\nconfig-version: 2\n"
    )
    (tmp_path / "profiles.yml").write_text(
        "changed_rows_test:\n  target: dev\n  outputs:\n    dev:\n"
        f"      type: duckdb\n      path: {tmp_path / 'w.duckdb'}\n"
    )
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.rows as select i as id, 'name ' || i as name, i * 1.5 as amount "
            "from range(50) as t(i)"
        )
        con.execute("update raw.rows set name = null where id = 7")  # a null hashes too
    return tmp_path


def model(project: Path, **columns: str) -> None:
    """The model selects `columns` (name: type) from raw.rows, under a contract of them."""
    (project / "models" / "m.sql").write_text(
        MODEL.format(
            columns=", ".join(f"{name}::{kind} as {name}" for name, kind in columns.items())
        )
    )
    (project / "models" / "m.yml").write_text(
        CONTRACT.format(
            columns="\n".join(
                f"      - {{name: {name}, data_type: {kind}}}" for name, kind in columns.items()
            )
        )
    )


def build(project: Path, *args: str) -> str:
    """dbt run; the SQL it ran for the model."""
    done = subprocess.run(
        [DBT, "run", "--project-dir", str(project), "--profiles-dir", str(project), *args],
        capture_output=True,
        text=True,
        cwd=project,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    return (project / "target" / "run" / "changed_rows_test" / "models" / "m.sql").read_text()


def sql(project: Path, query: str):
    with duckdb.connect(str(project / "w.duckdb")) as con:
        return con.execute(query).fetchall()


def differences(project: Path) -> list:
    """Rows in one of the table and the query but not the other, counting twins."""
    query = " ".join((project / "models" / "m.sql").read_text().split("\n", 1)[1].split())
    return sql(
        project,
        f"(select * from main.m except all {query}) "
        f"union all ({query} except all select * from main.m)",
    )


def column_types(project: Path) -> dict:
    return dict(
        sql(
            project,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'main' and table_name = 'm'",
        )
    )


def test_the_table_holds_the_querys_rows_after_every_kind_of_change(project):
    model(project, id="bigint", name="varchar", amount="double")
    build(project)
    assert sql(project, "select count(*) from main.m") == [(50,)]
    assert differences(project) == []

    # A night: a row changed in a column that is not the first, one deleted, one new, and a
    # twin of an existing row (the same value twice is two rows, not one).
    sql(project, "update raw.rows set amount = -1 where id = 3")
    sql(project, "delete from raw.rows where id = 4")
    sql(project, "insert into raw.rows values (100, 'new', 2.5)")
    sql(project, "insert into raw.rows select * from raw.rows where id = 5")
    ran = build(project)
    assert "delete from" in ran
    assert differences(project) == []
    assert sql(project, "select count(*) from main.m where id = 5") == [(2,)]
    assert sql(project, "select count(*) from main.m") == [(51,)]

    # The twin gone again: one of two equal rows removed.
    sql(project, "delete from raw.rows where id = 5")
    sql(project, "insert into raw.rows values (5, 'name 5', 7.5)")
    build(project)
    assert differences(project) == []
    assert sql(project, "select count(*) from main.m where id = 5") == [(1,)]


def test_a_night_with_nothing_changed_writes_nothing(project):
    model(project, id="bigint", name="varchar", amount="double")
    build(project)
    ran = build(project)
    assert "delete from" not in ran and "insert into" not in ran
    assert differences(project) == []


def test_a_column_added_or_retyped_rebuilds_the_table_whole(project):
    model(project, id="bigint", name="varchar", amount="double")
    build(project)

    model(project, id="bigint", name="varchar", amount="double", doubled="bigint")
    sql(project, "alter table raw.rows add column doubled bigint")
    sql(project, "update raw.rows set doubled = id * 2")
    build(project)
    assert list(column_types(project)) == ["id", "name", "amount", "doubled"]
    assert differences(project) == []

    # The same names, one type changed: kept as it was, the column would stay a double.
    model(project, id="bigint", name="varchar", amount="varchar", doubled="bigint")
    build(project)
    assert column_types(project)["amount"] == "VARCHAR"
    assert differences(project) == []

    # A full refresh rebuilds whole, whatever changed.
    ran = build(project, "--full-refresh")
    assert "create  table" in ran or "create table" in ran
    assert differences(project) == []
