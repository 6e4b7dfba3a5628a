"""A landing file already loaded is known by its status, not read again; any change is read."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from conftest import query
from dacall.ingest import loader, seen
from dacall.ingest.loader import ingest

RMS = ("audit_rms", "audit_rms_20250214.csv")


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The names of the files the loader opens, in order."""
    opened: list[str] = []
    real = loader.read_delivery

    def counting(path):
        opened.append(path.name)
        return real(path)

    monkeypatch.setattr(loader, "read_delivery", counting)
    return opened


@pytest.fixture
def settled_landing(samples, tmp_path, monkeypatch):
    """A copy of the samples that has settled by the time it is read (a shorter settling
    time than the real two seconds, waited for)."""
    monkeypatch.setattr(seen, "SETTLED_NS", 200_000_000)
    landing = tmp_path / "landing"
    shutil.copytree(samples, landing)
    time.sleep(0.3)
    return landing


def test_an_unchanged_landing_is_not_read_again(settled_landing, tmp_path, reads):
    warehouse = tmp_path / "w.duckdb"
    ingest(settled_landing, warehouse)
    files = query(warehouse, "select count(*) from audit.files_loaded")[0][0]
    assert len(reads) == files > 5
    assert query(warehouse, "select count(*) from audit.landing_files_seen")[0][0] == files

    reads.clear()
    again = ingest(settled_landing, warehouse)
    assert reads == []
    assert sum(t.files_skipped for t in again.feeds.values()) == files
    assert sum(t.files_loaded for t in again.feeds.values()) == 0
    assert query(warehouse, "select count(*) from audit.files_loaded")[0][0] == files


def test_a_file_rewritten_with_its_old_size_and_time_is_read_and_loaded_again(
    settled_landing, tmp_path, reads
):
    warehouse = tmp_path / "w.duckdb"
    ingest(settled_landing, warehouse)
    path = settled_landing / RMS[0] / RMS[1]
    before = os.stat(path)
    text = path.read_bytes()
    assert b"22:41:30" in text
    path.write_bytes(text.replace(b"22:41:30", b"22:41:31"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    time.sleep(0.3)  # the new bytes settle before they are read: remembered in place of the old
    reads.clear()
    result = ingest(settled_landing, warehouse)
    assert reads == [RMS[1]]
    assert result.feeds["audit_rms"].redeliveries == 1
    assert query(
        warehouse, "select count(*) from raw.audit_rms where timestamp = '2025-02-14 22:41:31'"
    ) == [(1,)]
    assert query(
        warehouse,
        "select count(*), any_value(ctime_ns) from audit.landing_files_seen where file_name = ?",
        [RMS[1]],
    ) == [(1, after.st_ctime_ns)]
    reads.clear()
    ingest(settled_landing, warehouse)
    assert reads == []


def test_a_file_read_as_it_arrived_is_read_again_next_time(samples, tmp_path, reads):
    """Changed in the clock tick it was read in, a file could keep its times: one that had
    not settled when read is not remembered."""
    landing = tmp_path / "landing"
    shutil.copytree(samples, landing)
    warehouse = tmp_path / "w.duckdb"
    ingest(landing, warehouse)  # at once: nothing has settled (two seconds)
    files = len(reads)
    assert query(warehouse, "select count(*) from audit.landing_files_seen")[0][0] == 0
    reads.clear()
    again = ingest(landing, warehouse)
    assert len(reads) == files
    assert sum(t.files_loaded for t in again.feeds.values()) == 0


def test_a_file_gone_from_the_landing_is_forgotten(settled_landing, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    ingest(settled_landing, warehouse)
    seen_before = query(warehouse, "select count(*) from audit.landing_files_seen")[0][0]
    (settled_landing / RMS[0] / RMS[1]).unlink()
    ingest(settled_landing, warehouse)
    assert query(
        warehouse,
        "select count(*) from audit.landing_files_seen where file_name = ?",
        [RMS[1]],
    ) == [(0,)]
    assert query(warehouse, "select count(*) from audit.landing_files_seen")[0][0] == (
        seen_before - 1
    )


def test_a_file_replaced_by_a_folder_is_still_reported(settled_landing, tmp_path):
    """Whatever takes a loaded file's place is opened, and the fault reported, as before."""
    warehouse = tmp_path / "w.duckdb"
    ingest(settled_landing, warehouse)
    path = settled_landing / RMS[0] / RMS[1]
    path.unlink()
    path.mkdir()
    result = ingest(settled_landing, warehouse)
    assert result.feeds["audit_rms"].rejected == [
        f"{RMS[1]}: a folder where a file should be (delivery 1 stays loaded)"
    ]
