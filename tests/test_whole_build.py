"""dacall.whole_build on real DuckDB files and processes: a build is kept whole or not at all,
and whoever opens the warehouse by its own name meanwhile reads it as it was before the build.
(`test_faults` kills real dbt builds inside the pipeline.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import duckdb
import pytest

from dacall.dbt_plugin import never_checkpoint
from dacall.settings import UserError
from dacall.whole_build import build_folder, build_whole, keep_in_place


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "wh" / "dacall.duckdb"
    path.parent.mkdir(mode=0o700)
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select range as n from range(100000)")
    return path


def _as_dbt(path) -> duckdb.DuckDBPyConnection:
    """A connection set up as dbt's are (dacall.dbt_plugin)."""
    con = duckdb.connect(str(path))
    never_checkpoint(con)
    return con


def _rows(path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select count(*) from t").fetchone()[0]


def _write_a_layer(con) -> None:
    # Large enough for DuckDB to write rows into the file's free blocks before the commit.
    con.execute("delete from t where n % 2 = 0")
    con.execute("create table u as select range as n, md5(range::varchar) as h from range(3000000)")


def test_a_finished_build_is_kept_whole(warehouse):
    with build_whole(warehouse) as build:
        assert build.path != warehouse and os.path.samefile(build.path, warehouse)
        with _as_dbt(build.path) as con:
            _write_a_layer(con)
        # Committed by dbt, not yet kept: the warehouse by its own name is as it was.
        assert _rows(warehouse) == 100000
        build.replace_warehouse()
    assert _rows(warehouse) == 50000
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from u").fetchone() == (3000000,)
    assert not build_folder(warehouse).exists()
    assert not os.path.exists(f"{warehouse}.wal")


def test_a_failed_build_leaves_the_warehouse_as_it_was(warehouse):
    before = warehouse.stat().st_size
    with pytest.raises(RuntimeError, match="dbt failed"), build_whole(warehouse) as build:
        with _as_dbt(build.path) as con:
            _write_a_layer(con)
        raise RuntimeError("dbt failed")
    assert not build_folder(warehouse).exists()
    with duckdb.connect(str(warehouse)) as con:  # a writer after it, as the next night
        assert con.execute("select count(*) from t").fetchone() == (100000,)
        assert con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'main'"
        ).fetchone() == (1,)
        con.execute("insert into t select range from range(10)")
        con.execute("checkpoint")
    assert _rows(warehouse) == 100010
    # The blocks the failed build wrote are not kept.
    assert warehouse.stat().st_size < before * 2


KILLED_BUILD = """
import sys, duckdb
from dacall.dbt_plugin import never_checkpoint
con = duckdb.connect(sys.argv[1])
never_checkpoint(con)
con.execute("delete from t where n % 2 = 0")
con.execute("create table u as select range as n from range(1000000)")
print("committed", flush=True)
con.execute("create table v as select range as n, md5(range::varchar) as h from range(500000000)")
"""


def test_a_killed_build_is_not_seen_and_the_next_build_discards_it(warehouse):
    """A build killed after dbt committed a model (SIGKILL: nothing of it runs again): by its own
    name the warehouse is as before, and the next build starts from that, not from the log."""
    with build_whole(warehouse) as build:
        dbt = subprocess.Popen(
            [sys.executable, "-c", KILLED_BUILD, str(build.path)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert dbt.stdout.readline().strip() == "committed"
        time.sleep(0.5)  # into the next model, writing the file's free blocks
        dbt.kill()
        dbt.wait()
        assert os.path.exists(f"{build.path}.wal")
        assert _rows(warehouse) == 100000
        with duckdb.connect(str(build.path), read_only=True) as con:  # the log holds the half
            assert con.execute("select count(*) from t").fetchone() == (50000,)
        # The kill leaves the build's folder behind, as a killed process would.
        os.link(build.path, build.path.with_name("left"))
    assert not build_folder(warehouse).exists()
    with build_whole(warehouse) as build:
        with _as_dbt(build.path) as con:
            assert con.execute("select count(*) from t").fetchone() == (100000,)
            assert con.execute(
                "select count(*) from duckdb_tables() where schema_name = 'main'"
            ).fetchone() == (1,)
            con.execute("create table w as select 1 as built")
        build.replace_warehouse()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'main'"
        ).fetchone() == (2,)
    assert _rows(warehouse) == 100000


def test_a_checkpoint_during_the_build_is_refused_not_kept_as_whole(warehouse):
    with pytest.raises(UserError, match="written by another process while dbt built"):
        with build_whole(warehouse) as build:
            with duckdb.connect(str(build.path)) as con:  # a connection that checkpoints
                _write_a_layer(con)
            build.replace_warehouse()
    assert not build_folder(warehouse).exists()


def test_a_build_whose_name_was_removed_is_refused(warehouse):
    """An erasure removes a stale build's folder: if a live build's went, nothing is kept (its
    name would otherwise open as a new, empty database)."""
    with pytest.raises(UserError, match="name for it was removed"):
        with build_whole(warehouse) as build:
            with _as_dbt(build.path) as con:
                _write_a_layer(con)
            os.unlink(build.path)
            build.replace_warehouse()
    assert _rows(warehouse) == 100000


def test_the_process_that_wrote_the_build_keeps_it_through_its_own_connection(warehouse):
    """As dbt's process does (dacall.dbt_server): no other process reads the log again."""
    with build_whole(warehouse) as build:
        with _as_dbt(build.path) as con:
            _write_a_layer(con)
            assert keep_in_place(con, build.keep_request())
            assert not os.path.exists(f"{build.path}.wal")
        build.replace_warehouse()  # it finds the build kept: nothing more to do
    assert _rows(warehouse) == 50000
    assert not build_folder(warehouse).exists()


def test_the_writer_keeps_no_build_the_checks_refuse(warehouse):
    with pytest.raises(UserError, match="written by another process while dbt built"):
        with build_whole(warehouse) as build:
            with duckdb.connect(str(build.path)) as con:  # a connection that checkpoints
                _write_a_layer(con)
            with _as_dbt(build.path) as con:
                con.execute("create table w as select 1 as built")
                assert not keep_in_place(con, build.keep_request())
            build.replace_warehouse()
    with pytest.raises(UserError, match="name for it was removed"):
        with build_whole(warehouse) as build:
            with _as_dbt(build.path) as con:
                con.execute("create table x as select 1 as built")
                os.unlink(build.path)
                assert not keep_in_place(con, build.keep_request())
            build.replace_warehouse()
