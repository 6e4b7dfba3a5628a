"""Load a landing folder into the warehouse's raw schema, exactly once, losing nothing.

Each file is one transaction: its rows, its quarantine records and its ledger row commit
together or not at all, so a load killed half way leaves the warehouse as it was before that
file, and the next run loads it again. A file already loaded with the same bytes is skipped; a
file of the same name with new bytes is a redelivery and replaces its predecessor's rows.
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import stat
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from dacall.ingest.feeds import Feed, load_feeds
from dacall.ingest.readers import FileFault, read
from dacall.settings import UserError
from dacall.warehouse import connect

META_COLUMNS = ["_file", "_line", "_sha256", "_loaded_at"]
BATCH_ROWS = int(os.environ.get("DACALL_INGEST_BATCH_ROWS", "50000"))


@dataclass
class FeedTally:
    files_loaded: int = 0
    files_skipped: int = 0
    files_rejected: int = 0
    redeliveries: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    seconds: float = 0.0
    rejected: list[str] = field(default_factory=list)  # "file name: reason", this run's


NOT_READ = "-"  # the ledger's sha256 of an entry that could not be read as a file


@dataclass
class IngestResult:
    feeds: dict[str, FeedTally] = field(default_factory=lambda: defaultdict(FeedTally))
    unknown_folders: list[str] = field(default_factory=list)
    stray_entries: list[str] = field(default_factory=list)  # "name: why", not under a feed
    missing_feeds: list[str] = field(default_factory=list)  # no file for the business date

    @property
    def rows_quarantined(self) -> int:
        return sum(t.rows_quarantined for t in self.feeds.values())

    @property
    def files_rejected(self) -> int:
        return sum(t.files_rejected for t in self.feeds.values())


def raw_table_ddl(feed: Feed) -> str:
    columns = ", ".join(f'"{c}" varchar' for c in feed.table_columns)
    return (
        f"create table if not exists raw.{feed.name} ({columns}, _file varchar not null, "
        "_line bigint not null, _sha256 varchar not null, _loaded_at timestamp not null)"
    )


def _fault_injection() -> int | None:
    """Test hook: kill this process after N batches of a load, to prove a crash is safe."""
    value = os.environ.get("DACALL_TEST_KILL_AFTER_BATCHES")
    return int(value) if value else None


def _disk_full_injection() -> int | None:
    """Test hook: the disk fills (ENOSPC) after N batches of a load."""
    value = os.environ.get("DACALL_TEST_ENOSPC_AFTER_BATCHES")
    return int(value) if value else None


def landing_files(
    landing: Path, feeds: dict[str, Feed]
) -> tuple[list[tuple[Feed, Path]], list[str], list[str]]:
    """Every entry of every feed's folder (files or not: what is not a loadable file is
    rejected with its reason when loaded), the folders that are no feed, and the entries
    beside the feed folders that were not read. Names starting with a dot are transfers in
    progress by convention, and are left alone."""
    if not landing.is_dir():
        raise UserError(f"landing folder not found: {landing}")
    found, unknown, stray = [], [], []
    for entry in sorted(landing.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            stray.append(f"{shown(entry.name)}: a symbolic link, not followed")
            continue
        if not entry.is_dir():
            stray.append(f"{shown(entry.name)}: not in a feed's folder, not read")
            continue
        feed = feeds.get(entry.name)
        if feed is None:
            unknown.append(entry.name)
            continue
        for path in sorted(entry.iterdir()):
            if not path.name.startswith("."):
                found.append((feed, path))
    return found, unknown, stray


def shown(name: str) -> str:
    """A file name fit to print: control characters escaped (a name could move the cursor
    or forge a line of the log), and cut short."""
    text = name.encode("unicode_escape").decode("ascii")
    return text if len(text) <= 120 else text[:117] + "..."


def read_delivery(path: Path) -> bytes:
    """The bytes of a delivered file; FileFault when the entry is not a regular file that can
    be read. A symbolic link is never followed (it could point anywhere on the server)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileFault("a symbolic link, not followed: deliver the file itself") from None
        raise FileFault(f"cannot be opened: {exc.strerror}") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise FileFault("a folder where a file should be")
        if not stat.S_ISREG(mode):
            raise FileFault("not a regular file (a pipe, socket or device)")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            return handle.read()
    except OSError as exc:
        raise FileFault(f"cannot be read: {exc.strerror}") from None
    finally:
        os.close(descriptor)


def ingest(
    landing: Path,
    warehouse: Path,
    up_to: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> IngestResult:
    """Load every file of the landing folder (or those for business dates up to `up_to`)."""
    feeds = load_feeds()
    files, unknown, stray = landing_files(Path(landing), feeds)
    result = IngestResult(unknown_folders=unknown, stray_entries=stray)
    if up_to is not None:
        files = [
            (feed, path)
            for feed, path in files
            if (day := feed.business_date(path.name)) is None or day <= up_to
        ]
        present = {feed.name for feed, path in files if feed.business_date(path.name) == up_to}
        result.missing_feeds = sorted(
            name for name, feed in feeds.items() if not feed.monthly and name not in present
        )
    con = connect(warehouse)
    try:
        for feed in feeds.values():
            con.execute(raw_table_ddl(feed))
        known = {
            (feed, name): (sha, delivery)
            for feed, name, sha, delivery in con.execute(
                "select feed, file_name, arg_max(sha256, delivery), max(delivery) "
                "from audit.files_loaded group by all"
            ).fetchall()
        }
        for index, (feed, path) in enumerate(files, start=1):
            if progress and index % 250 == 0:
                progress(f"ingest: {index}/{len(files)} files")
            _load_file(con, feed, path, known, result.feeds[feed.name])
    finally:
        con.close()
    return result


def _load_file(con, feed: Feed, path: Path, known: dict, tally: FeedTally) -> None:
    started = time.perf_counter()
    try:
        _load_file_timed(con, feed, path, known, tally)
    finally:
        tally.seconds += time.perf_counter() - started


def _load_file_timed(con, feed: Feed, path: Path, known: dict, tally: FeedTally) -> None:
    try:
        data = read_delivery(path)
        sha = hashlib.sha256(data).hexdigest()
        unreadable = None
    except FileFault as fault:
        data, sha, unreadable = b"", NOT_READ, fault
    previous = known.get((feed.name, path.name))
    if previous is not None and previous[0] == sha:
        tally.files_skipped += 1
        return
    if unreadable is not None and previous is not None:
        # Loaded before and unreadable now (permissions changed, a transfer under way): its
        # loaded delivery stays; the fault is reported on every run until it is put right.
        tally.files_rejected += 1
        tally.rejected.append(
            f"{shown(path.name)}: {unreadable.reason} (delivery {previous[1]} stays loaded)"
        )
        return
    delivery = 1 if previous is None else previous[1] + 1
    now = datetime.now(UTC).replace(tzinfo=None)
    business_date = feed.business_date(path.name)

    con.execute("begin transaction")
    try:
        if previous is not None:
            con.execute(f"delete from raw.{feed.name} where _file = ?", [path.name])
            con.execute(
                "delete from audit.quarantine where feed = ? and file_name = ?",
                [feed.name, path.name],
            )
        if unreadable is not None:
            read_n, loaded, quarantined = _reject(con, feed, path.name, sha, unreadable, now, data)
            status, reason = "rejected", unreadable.reason
        elif business_date is None:
            fault = FileFault(
                f"file name {path.name!r} is outside the pattern {feed.pattern.pattern} "
                "or names an impossible date"
            )
            read_n, loaded, quarantined = _reject(con, feed, path.name, sha, fault, now, data)
            status, reason = "rejected", fault.reason
        else:
            try:
                read_n, loaded, quarantined = _insert_rows(con, feed, path.name, sha, data, now)
                status, reason = "loaded", None
            except FileFault as fault:
                con.execute(f"delete from raw.{feed.name} where _file = ?", [path.name])
                con.execute(
                    "delete from audit.quarantine where feed = ? and file_name = ?",
                    [feed.name, path.name],
                )
                read_n, loaded, quarantined = _reject(con, feed, path.name, sha, fault, now, data)
                status, reason = "rejected", fault.reason
        con.execute(
            "insert into audit.files_loaded values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                feed.name,
                path.name,
                business_date,
                sha,
                read_n,
                loaded,
                quarantined,
                delivery,
                status,
                reason,
                now,
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    known[(feed.name, path.name)] = (sha, delivery)
    tally.rows_read += read_n
    tally.rows_loaded += loaded
    tally.rows_quarantined += quarantined
    if status == "rejected":
        tally.files_rejected += 1
        tally.rejected.append(f"{shown(path.name)}: {reason}")
    else:
        tally.files_loaded += 1
    if previous is not None:
        tally.redeliveries += 1


def _data_rows(feed: Feed, data: bytes) -> int:
    """Rows a rejected file holds: its lines, less the header of a CSV."""
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return max(0, lines - 1) if feed.format == "csv" else lines


def _reject(
    con, feed: Feed, name: str, sha: str, fault: FileFault, now, data: bytes
) -> tuple[int, int, int]:
    rows = _data_rows(feed, data)
    con.execute(
        "insert into audit.quarantine values (?, ?, ?, null, ?, null, ?, ?)",
        [feed.name, name, sha, rows, f"file rejected: {fault.reason}", now],
    )
    return rows, 0, rows


def _insert_rows(con, feed: Feed, name: str, sha: str, data: bytes, now) -> tuple[int, int, int]:
    columns = feed.table_columns
    width = len(columns)
    batch: list[list[str]] = []
    bad: list[tuple] = []
    read_n = loaded = 0
    kill_after = _fault_injection()
    disk_full_after = _disk_full_injection()
    batches = 0

    def flush() -> None:
        nonlocal batch, loaded, batches
        if not batch:
            return
        arrays = [pa.array([row[i] for row in batch], pa.string()) for i in range(width)]
        lines = pa.array([row[width] for row in batch], pa.int64())
        n = len(batch)
        table = pa.Table.from_arrays(
            [
                *arrays,
                pa.array([name] * n, pa.string()),
                lines,
                pa.array([sha] * n, pa.string()),
                pa.array([now] * n, pa.timestamp("us")),
            ],
            names=[*columns, *META_COLUMNS],
        )
        con.register("_incoming", table)
        con.execute(f"insert into raw.{feed.name} select * from _incoming")
        con.unregister("_incoming")
        loaded += n
        batch = []
        batches += 1
        if kill_after is not None and batches >= kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
        if disk_full_after is not None and batches >= disk_full_after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), name)

    for row in read(feed, data):
        read_n += 1
        if row.values is None:
            bad.append((feed.name, name, sha, row.line, 1, row.raw, row.fault, now))
            continue
        row.values.append(row.line)
        batch.append(row.values)
        if len(batch) >= BATCH_ROWS:
            flush()
    flush()
    if bad:
        con.executemany("insert into audit.quarantine values (?, ?, ?, ?, ?, ?, ?, ?)", bad)
    return read_n, loaded, len(bad)
