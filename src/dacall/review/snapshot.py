"""The published snapshot: the marts copied into a separate DuckDB file after each run.

DuckDB takes one writer or many readers, never both, so anything that reads while the
pipeline may run (the review app, analysts, BI tools) reads this copy, never the warehouse.
The copy is written under a temporary name and swapped in with os.replace: a reader sees the
old file or the new one, never half of one, and an open reader keeps the old file until it
closes.

The new copy starts from the last one, and only the rows that differ are written again. Each
table's rows are grouped by a hash of the whole row, so that a group is one row's value, and a
group is copied again only where the warehouse and the last snapshot hold different numbers of
its rows: a row added, removed or changed in any column changes the count of its value's group
(a change missed would need a changed row to hash as its old value, one chance in 2**64).
Hashing both copies' rows costs a fraction of writing a table whole. Grouping the marts that
copy rows with stamps (dbt/macros/copied_rows.sql) by their stamps alone was cheaper to hash but
wrote far more: a night deletes a few of the rows a full build stamped, and their group was
every row of that build (at five years of history, fct_check_reconciliation's 432,767 rows
written again for 123 deleted: 0.6-0.8 s against 0.4 s). The dbt build writes
int_incidents_enriched and fct_incidents the same way (dbt/macros/changed_rows.sql), within one
database where this works across two.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from dacall.settings import UserError
from dacall.warehouse import plain_file_of_mine, private_dir

SNAPSHOT_NAME = "dacall_marts.duckdb"
# Beside the snapshot: its tables' row-hash groups and counts (see the module's docstring).
ROW_HASHES_SUFFIX = ".row-hashes"


def snapshot_path(warehouse: Path) -> Path:
    env = os.environ.get("DACALL_SNAPSHOT")
    if env:
        return Path(env)
    return Path(warehouse).resolve().parent / "published" / SNAPSHOT_NAME


def row_hashes_path(snapshot: Path) -> Path:
    return snapshot.with_name(f".{snapshot.name}{ROW_HASHES_SUFFIX}")


def publish_snapshot(warehouse: Path, run_id: str | None = None) -> tuple[Path, int]:
    """Copy every table of the marts schema into the snapshot; returns (path, tables)."""
    target = snapshot_path(warehouse)
    private_dir(target.parent)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    old_umask = os.umask(0o077)
    try:
        con = _start_from_last(target, temporary)
        hashed = _attach_row_hashes(con, row_hashes_path(target))
    finally:
        os.umask(old_umask)
    try:
        con.execute("attach ? as warehouse (read_only)", [str(Path(warehouse).resolve())])
        tables = _marts_tables(con, "warehouse")
        if not tables:
            raise UserError(f"no marts to publish in {warehouse}: run `dacall run` first")
        con.execute("create schema if not exists marts")
        _drop_tables_not_in(con, [*tables, "published"])
        for table in tables:
            _publish_table(con, table, hashed)
        con.execute(
            "create or replace table marts.published as "
            "select current_timestamp::timestamp as published_at, ?::varchar as run_id",
            [run_id],
        )
        con.execute("detach warehouse")
        con.execute("checkpoint")
        if hashed is not None:
            _seal_row_hashes(con, tables)
    except BaseException:
        con.close()
        temporary.unlink(missing_ok=True)
        raise
    con.close()
    os.chmod(temporary, 0o600)
    os.replace(temporary, target)
    return target, len(tables)


def _start_from_last(target: Path, temporary: Path):
    """A connection to `temporary`: a copy of the last snapshot where there is one to start
    from, else an empty file. A copy holding as many free blocks as used ones (rows deleted and
    tables replaced leave free blocks, which DuckDB reuses but never gives back) is not started
    from, so the file stays within about twice what it holds."""
    if plain_file_of_mine(target):  # the last snapshot, safe to start from
        shutil.copyfile(target, temporary)
        try:
            con = duckdb.connect(str(temporary))
            ((used, free),) = con.execute(
                "select used_blocks, free_blocks from pragma_database_size()"
            ).fetchall()
            if free < max(used, 1):
                return con
            con.close()
        except duckdb.Error:  # the last snapshot cannot be opened: start from nothing
            pass
        temporary.unlink(missing_ok=True)
    return duckdb.connect(str(temporary))


def _columns(con, database: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = ? "
        "and schema_name = 'marts' and table_name = ? order by column_index",
        [database, table],
    ).fetchall()


def _marts_tables(con, database: str) -> list[str]:
    """The tables of an attached database's marts schema, by name."""
    return [
        table
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where database_name = ? "
            "and schema_name = 'marts' order by table_name",
            [database],
        ).fetchall()
    ]


def _drop_tables_not_in(con, names: list[str], database: str | None = None) -> None:
    """Drop the marts tables of `database` (default: the snapshot's) not named in `names`."""
    database = database or _database_name(con)
    for table in _marts_tables(con, database):
        if table not in names:
            con.execute(f"drop table {_quoted(database)}.marts.{_quoted(table)}")


def _database_name(con) -> str:
    return con.execute("select current_database()").fetchall()[0][0]


def _attach_row_hashes(con, path: Path) -> set[str] | None:
    """The file of row hashes attached as `row_hashes`, and the tables whose groups it holds for
    the snapshot `con` starts from: none where it was kept for another snapshot (or none was).
    Its stamp is cleared first, as the tables are about to change. None where it cannot be
    used at all (another publish holds it): every group is then counted from the snapshot."""
    try:
        con.execute("attach ? as row_hashes", [str(path)])
    except duckdb.Error as exc:
        if "lock" in str(exc).lower() or "conflict" in str(exc).lower():
            return None
        path.unlink(missing_ok=True)  # unreadable: started again
        Path(f"{path}.wal").unlink(missing_ok=True)
        try:
            con.execute("attach ? as row_hashes", [str(path)])
        except duckdb.Error:
            return None
    os.chmod(path, 0o600)
    con.execute("create schema if not exists row_hashes.marts")
    con.execute("create table if not exists row_hashes.main.stamp (stamp varchar)")
    kept_for = con.execute("select stamp from row_hashes.main.stamp").fetchall()
    con.execute("delete from row_hashes.main.stamp")
    if kept_for != [(_stamp(con),)]:
        return set()
    return set(_marts_tables(con, "row_hashes"))


def _stamp(con) -> str | None:
    """What identifies the snapshot `con` holds: its marts.published row (when, and which run,
    to the microsecond), and the DuckDB whose hash() made the groups."""
    if "published" not in _marts_tables(con, _database_name(con)):
        return None
    rows = con.execute("select published_at::varchar, run_id from marts.published").fetchall()
    return f"{duckdb.__version__} {rows!r}"


def _seal_row_hashes(con, tables: list[str]) -> None:
    """The row hashes stamped as those of the snapshot now written, and only its tables'."""
    _drop_tables_not_in(con, tables, "row_hashes")
    con.execute("insert into row_hashes.main.stamp values (?)", [_stamp(con)])
    con.execute("detach row_hashes")


def _publish_table(con, table: str, hashed: set[str] | None) -> None:
    """The warehouse's table in the snapshot: only the groups of rows that changed in number
    (by a hash of the whole row), or copied whole where the last snapshot's copy has other
    columns or most of its rows changed. `hashed`: the tables whose last groups the row hashes
    hold (None: there are no row hashes to keep)."""
    columns = _columns(con, "warehouse", table)
    name = _quoted(table)
    # hash() is never null, so the rows of changed groups are found by `in`, a hash join (a
    # join of the columns themselves, null where a row has none, took ten times longer).
    group = "hash(" + ", ".join(f"rows.{_quoted(column)}" for column, _type in columns) + ")"
    kept = f"row_hashes.marts.{name}"
    if _columns(con, _database_name(con), table) != columns:
        _copy_whole(con, name, group, kept, hashed, counted=False)
        return
    _count_groups(con, name, group)
    before = (
        kept
        if hashed and table in hashed
        else f"(select {group} as grp, count(*) as n from marts.{name} as rows group by all)"
    )
    con.execute(
        f"""
        create or replace temp table changed as
        select coalesce(now.grp, before.grp) as grp
        from now_groups as now full join {before} as before on now.grp = before.grp
        where now.n is distinct from before.n
        """
    )
    ((changed, rows),) = con.execute(
        "select (select count(*) from changed), (select coalesce(sum(n), 0) from now_groups)"
    ).fetchall()
    if changed > rows:
        # More than about half the rows written again (the bridge of people, whose match
        # probabilities all move a little with each night's records; the review queue, whose
        # positions move down with each new case): copied whole, in half the time.
        _copy_whole(con, name, group, kept, hashed, counted=True)
        return
    if changed:
        changed_rows = f"where {group} in (select grp from changed)"
        con.execute(f"delete from marts.{name} as rows {changed_rows}")
        con.execute(
            f"insert into marts.{name} select * from warehouse.marts.{name} as rows {changed_rows}"
        )
    if hashed is None:
        return
    if table not in hashed:
        con.execute(f"create or replace table {kept} as select * from now_groups")
    elif changed:
        con.execute(f"delete from {kept} where grp in (select grp from changed)")
        con.execute(
            f"insert into {kept} select * from now_groups where grp in (select grp from changed)"
        )


def _count_groups(con, name: str, group: str) -> None:
    """`now_groups`: the warehouse table's groups of rows and how many rows each holds."""
    con.execute(
        f"create or replace temp table now_groups as select {group} as grp, count(*) as n "
        f"from warehouse.marts.{name} as rows group by all"
    )


def _copy_whole(
    con, name: str, group: str, kept: str, hashed: set[str] | None, *, counted: bool
) -> None:
    """The table copied whole, and its groups kept (`counted`: now_groups are this table's)."""
    con.execute(f"create or replace table marts.{name} as select * from warehouse.marts.{name}")
    if hashed is None:
        return
    if not counted:
        _count_groups(con, name, group)
    con.execute(f"create or replace table {kept} as select * from now_groups")


def _quoted(name: str) -> str:
    """A column name as a quoted SQL identifier: the marts' names are dbt's, but a name is
    never trusted into SQL as it is."""
    return '"' + name.replace('"', '""') + '"'
