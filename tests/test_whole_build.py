"""dacall.whole_build on a real DuckDB file: the copy replaces the warehouse whole, or not at
all, and the copy's background flush never outlives the build."""

from __future__ import annotations

import threading
import time

import duckdb
import pytest

from dacall import whole_build
from dacall.whole_build import build_in_copy, copy_folder


def _flushes() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "flush-build-copy"]


@pytest.fixture
def flushed(monkeypatch) -> list[str]:
    """Each flush, by the thread that made it; the background one made slow enough to be still
    running when the build ends, as the flush of a large warehouse's copy is."""
    done: list[str] = []
    flush = whole_build._flush

    def slow_flush(path):
        if threading.current_thread().name == "flush-build-copy":
            time.sleep(0.3)
        flush(path)
        done.append(threading.current_thread().name)

    monkeypatch.setattr(whole_build, "_flush", slow_flush)
    return done


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "wh" / "dacall.duckdb"
    path.parent.mkdir(mode=0o700)
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select 1 as built")
    return path


def _built(path) -> list:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select built from t").fetchall()


def test_a_finished_build_replaces_the_warehouse(warehouse, flushed):
    with build_in_copy(warehouse) as build:
        with duckdb.connect(str(build.path)) as con:
            con.execute("update t set built = 2")
        assert build.path != warehouse
        build.replace_warehouse()
    assert _built(warehouse) == [(2,)]
    assert not copy_folder(warehouse).exists()
    # The background flush of the copy, then the flush before the swap, in that order.
    assert flushed == ["flush-build-copy", "MainThread"]
    assert not _flushes()


def test_a_failed_build_leaves_the_warehouse_and_no_flush_running(warehouse, flushed):
    with pytest.raises(RuntimeError, match="dbt failed"), build_in_copy(warehouse) as build:
        with duckdb.connect(str(build.path)) as con:
            con.execute("update t set built = 3")
        raise RuntimeError("dbt failed")
    assert _built(warehouse) == [(1,)]
    assert not copy_folder(warehouse).exists()
    assert flushed == ["flush-build-copy"] and not _flushes()


@pytest.mark.parametrize("kernel_copy", ["supported", "unsupported"])
def test_the_build_copy_is_the_warehouse_byte_for_byte(warehouse, monkeypatch, kernel_copy):
    """The copy is made in the kernel (copy_file_range) where it can be, by shutil where the
    call fails (as across filesystems on older kernels): the same bytes either way, and only
    its owner can read it."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table rows as select range as n, md5(range::varchar) as h from range(50000)"
        )
    calls = []
    copy_file_range = whole_build.os.copy_file_range

    def counted(*args):
        calls.append(args[2])
        if kernel_copy == "unsupported":
            raise OSError(18, "Invalid cross-device link")
        return copy_file_range(*args)

    monkeypatch.setattr(whole_build.os, "copy_file_range", counted)
    with build_in_copy(warehouse) as build:
        assert build.path.read_bytes() == warehouse.read_bytes()
        assert build.path.stat().st_mode & 0o077 == 0
    assert calls, "the kernel's copy was not tried"
