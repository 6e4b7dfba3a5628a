"""Knowing that a landing file is the one already loaded without reading it again.

A night's landing holds every earlier delivery too: at five years of history, reading and
hashing them all again costs seconds a night for a handful of new files. So, as `git status`
does, the loader keeps what each file was when its bytes were last hashed (device, inode,
size, modification and status-change times, to the nanosecond) beside the hash, in
`audit.landing_files_seen`, and takes a file whose `lstat` still shows all of them for the
bytes it hashed.

Why that is safe: any write to a file, or a replacement of it (a new file under the name, a
rename over it, a restore that sets the old modification time back), sets its status-change
time (ctime) to the clock's time, and no program can set ctime back. A file changed in the same
clock tick as it was hashed could keep both times, so a file is only remembered when it had
last changed at least `SETTLED_NS` before it was read; one delivered just before a run is
hashed again on the next. The decision to load is still the ledger's: a remembered hash only
spares reading a file whose hash the ledger already holds.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pyarrow as pa

# Older than this when read, a file's times show any later change (file times move in clock
# ticks of a few milliseconds; two seconds leave room for a clock that was stepped).
SETTLED_NS = 2_000_000_000

Fingerprint = tuple[int, int, int, int, int]  # device, inode, size, mtime_ns, ctime_ns


def fingerprint(status: os.stat_result) -> Fingerprint:
    return (
        status.st_dev,
        status.st_ino,
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
    )


def settled(status: os.stat_result, read_started_ns: int) -> bool:
    """The file had last changed long enough before it was read for a later change to show."""
    return max(status.st_mtime_ns, status.st_ctime_ns) < read_started_ns - SETTLED_NS


def remembered(con) -> dict[tuple[str, str], tuple[Fingerprint, str]]:
    """(feed, file name) -> (fingerprint, sha256) as recorded by the last load."""
    return {
        (feed, name): ((device, inode, size, mtime_ns, ctime_ns), sha)
        for feed, name, device, inode, size, mtime_ns, ctime_ns, sha in con.execute(
            "select feed, file_name, device, inode, size, mtime_ns, ctime_ns, sha256 "
            "from audit.landing_files_seen"
        ).fetchall()
    }


def unchanged_hash(memory: dict, feed: str, path: Path) -> str | None:
    """The hash of the file's bytes if it is, to its inode and ctime, the file last hashed;
    None when it must be read."""
    known = memory.get((feed, path.name))
    if known is None:
        return None
    try:
        status = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(status.st_mode) or fingerprint(status) != known[0]:
        return None
    return known[1]


COLUMNS = ("feed", "file_name", "device", "inode", "size", "mtime_ns", "ctime_ns", "sha256")
SCHEMA = pa.schema(
    [
        ("feed", pa.string()),
        ("file_name", pa.string()),
        ("device", pa.uint64()),
        ("inode", pa.uint64()),
        *[(column, pa.int64()) for column in COLUMNS[4:7]],
        ("sha256", pa.string()),
    ]
)


def record(con, memory: dict, hashed: dict, listed: set[tuple[str, str]]) -> None:
    """Keep the files of this landing: those hashed now (`hashed`: key -> (fingerprint,
    sha256), settled ones only) and those remembered and still there; forget the rest. Only
    the rows that change are written: a night touches a handful of the landing's files."""
    changed = {key: value for key, value in hashed.items() if memory.get(key) != value}
    dropped = [key for key in memory if key not in listed or key in changed]
    if not changed and not dropped:
        return
    rows = [(feed, name, *print_, sha) for (feed, name), (print_, sha) in changed.items()]
    written = pa.table(
        {column: [row[i] for row in rows] for i, column in enumerate(COLUMNS)}, schema=SCHEMA
    )
    forgotten = pa.table(
        {"feed": [key[0] for key in dropped], "file_name": [key[1] for key in dropped]},
        schema=pa.schema([("feed", pa.string()), ("file_name", pa.string())]),
    )
    con.register("_seen", written)
    con.register("_forgotten", forgotten)
    try:
        con.execute("begin transaction")
        con.execute(
            "delete from audit.landing_files_seen as s using _forgotten as f "
            "where s.feed = f.feed and s.file_name = f.file_name"
        )
        con.execute("insert into audit.landing_files_seen by name select * from _seen")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_seen")
        con.unregister("_forgotten")
