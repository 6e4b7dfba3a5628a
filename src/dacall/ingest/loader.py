"""Load a landing folder into the warehouse's raw schema, exactly once, losing nothing.

Files are loaded in groups of one feed, each group one transaction: the files' rows,
quarantine records and ledger rows commit together or not at all, so a load killed half way
leaves the warehouse as it was before that group, and the next run loads it again. A file
already loaded with the same bytes is skipped; a file of the same name with new bytes is a
redelivery and replaces its predecessor's rows. A clean file is parsed and checked in bulk
(bulk.py); any other is read record by record (readers.py), each bad row quarantined with its
reason.
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
import pyarrow.compute as pa_compute

from dacall.ingest import bulk, seen
from dacall.ingest.feeds import Feed, load_feeds
from dacall.ingest.readers import FileFault, read
from dacall.settings import UserError
from dacall.warehouse import connect

BATCH_ROWS = int(os.environ.get("DACALL_INGEST_BATCH_ROWS", "500000"))
# A transaction holds the files of one feed up to about this many rows or files.
GROUP_ROWS = int(os.environ.get("DACALL_INGEST_GROUP_ROWS", "1000000"))
GROUP_FILES = 500


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
        # By name: the same order as by path within one folder, without comparing Path objects
        # (a tenth of a second over five years' files).
        for path in sorted(entry.iterdir(), key=lambda path: path.name):
            if not path.name.startswith("."):
                found.append((feed, path))
    return found, unknown, stray


def shown(name: str) -> str:
    """A file name fit to print: control characters escaped (a name could move the cursor
    or forge a line of the log), and cut short."""
    text = name.encode("unicode_escape").decode("ascii")
    return text if len(text) <= 120 else text[:117] + "..."


def read_delivery(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of a delivered file and its status when opened; FileFault when the entry is
    not a regular file that can be read. A symbolic link is never followed (it could point
    anywhere on the server)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileFault("a symbolic link, not followed: deliver the file itself") from None
        raise FileFault(f"cannot be opened: {exc.strerror}") from None
    try:
        status = os.fstat(descriptor)
        if stat.S_ISDIR(status.st_mode):
            raise FileFault("a folder where a file should be")
        if not stat.S_ISREG(status.st_mode):
            raise FileFault("not a regular file (a pipe, socket or device)")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            return handle.read(), status
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
    listed = {(feed.name, path.name) for feed, path in files}
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
        # Rows are stored in whatever order the threads finish (every reader orders by what it
        # needs): keeping the files' order cost a quarter of the insert.
        con.execute("set preserve_insertion_order = false")
        for feed in feeds.values():
            con.execute(raw_table_ddl(feed))
        known = {
            (feed, name): (sha, delivery)
            for feed, name, sha, delivery in con.execute(
                "select feed, file_name, arg_max(sha256, delivery), max(delivery) "
                "from audit.files_loaded group by all"
            ).fetchall()
        }
        memory = seen.remembered(con)
        hashed: dict = {}  # this run's settled files: (feed, name) -> (fingerprint, sha256)
        group = _Group(con, known, result)
        for index, (feed, path) in enumerate(files, start=1):
            if progress and index % 250 == 0:
                progress(f"ingest: {index}/{len(files)} files")
            started = time.perf_counter()
            delivery = _prepare(feed, path, known, result.feeds[feed.name], memory, hashed)
            result.feeds[feed.name].seconds += time.perf_counter() - started
            if delivery is not None:
                group.add(delivery)
        group.commit()
        seen.record(con, memory, hashed, listed)
    finally:
        con.close()
    return result


@dataclass
class _Delivery:
    """A file to load, read and parsed before its group's transaction."""

    feed: Feed
    name: str
    sha: str
    data: bytes
    previous: tuple[str, int] | None  # (sha256, delivery) of the file loaded before
    business_date: date | None
    fault: FileFault | None = None  # the whole file is rejected for this
    parsed: bulk.Parsed | None = None  # clean rows in bulk; None: record by record
    outcome: tuple[int, int, int, str, str | None] = (0, 0, 0, "loaded", None)

    @property
    def number(self) -> int:
        """Its delivery number: 1, or one more than the delivery it replaces."""
        return 1 if self.previous is None else self.previous[1] + 1

    @property
    def rows(self) -> int:
        return self.parsed.table.num_rows if self.parsed else self.data.count(b"\n")


def _prepare(
    feed: Feed, path: Path, known: dict, tally: FeedTally, memory: dict, hashed: dict
) -> _Delivery | None:
    """Read and parse a file; None when there is nothing to load (already loaded, or loaded
    before and unreadable now). A file the loader remembers (`memory`, dacall.ingest.seen) as
    the bytes already loaded is not read at all; one that had settled when read goes into
    `hashed`."""
    previous = known.get((feed.name, path.name))
    if previous is not None and seen.unchanged_hash(memory, feed.name, path) == previous[0]:
        tally.files_skipped += 1
        return None
    try:
        read_started = time.time_ns()
        data, status = read_delivery(path)
        sha = hashlib.sha256(data).hexdigest()
        unreadable = None
        if seen.settled(status, read_started):
            hashed[(feed.name, path.name)] = (seen.fingerprint(status), sha)
    except FileFault as fault:
        data, sha, unreadable = b"", NOT_READ, fault
    if previous is not None and previous[0] == sha:
        tally.files_skipped += 1
        return None
    if unreadable is not None and previous is not None:
        # Loaded before and unreadable now (permissions changed, a transfer under way): its
        # loaded delivery stays; the fault is reported on every run until it is put right.
        tally.files_rejected += 1
        tally.rejected.append(
            f"{shown(path.name)}: {unreadable.reason} (delivery {previous[1]} stays loaded)"
        )
        return None
    delivery = _Delivery(feed, path.name, sha, data, previous, feed.business_date(path.name))
    if unreadable is not None:
        delivery.fault = unreadable
    elif delivery.business_date is None:
        delivery.fault = FileFault(
            f"file name {path.name!r} is outside the pattern {feed.pattern.pattern} "
            "or names an impossible date"
        )
    else:
        try:
            delivery.parsed = bulk.parse(feed, data)
        except FileFault as fault:
            delivery.fault = fault
    return delivery


class _Group:
    """Files of one feed loaded in one transaction: their rows, quarantine records and ledger
    rows commit together or not at all, so a load killed half way leaves the warehouse as it
    was before the group, and the next run loads the group again. Grouping files spares a
    commit and a round of queries per file (a force-year is 3,650 daily files)."""

    def __init__(self, con, known: dict, result: IngestResult):
        self.con, self.known, self.result = con, known, result
        self.deliveries: list[_Delivery] = []
        self.rows = 0

    def add(self, delivery: _Delivery) -> None:
        if self.deliveries and (
            delivery.feed is not self.deliveries[0].feed
            or self.rows >= GROUP_ROWS
            or len(self.deliveries) >= GROUP_FILES
        ):
            self.commit()
        self.deliveries.append(delivery)
        self.rows += delivery.rows

    def commit(self) -> None:
        if not self.deliveries:
            return
        feed = self.deliveries[0].feed
        started = time.perf_counter()
        now = datetime.now(UTC).replace(tzinfo=None)
        con = self.con
        con.execute("begin transaction")
        try:
            for delivery in self.deliveries:
                if delivery.previous is not None:
                    _forget(con, feed, delivery.name)
            batches = _Batches(con, feed, now)
            _load_clean(con, feed, [d for d in self.deliveries if d.parsed], batches)
            for delivery in self.deliveries:
                if delivery.parsed is None:
                    delivery.outcome = _load_one_by_one(con, delivery, batches, now)
            _record_in_ledger(con, feed, self.deliveries, now)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        tally = self.result.feeds[feed.name]
        for delivery in self.deliveries:
            _count(delivery, tally, self.known)
        tally.seconds += time.perf_counter() - started
        self.deliveries, self.rows = [], 0


def _record_in_ledger(con, feed: Feed, deliveries: list[_Delivery], now: datetime) -> None:
    """The group's ledger rows in one insert (a row at a time costs about half a millisecond
    each: 1.4 s of a force-year's 2,591 files)."""
    ledger = pa.Table.from_pylist(
        [
            {
                "feed": feed.name,
                "file_name": d.name,
                "business_date": d.business_date,
                "sha256": d.sha,
                "rows_read": d.outcome[0],
                "rows_loaded": d.outcome[1],
                "rows_quarantined": d.outcome[2],
                "delivery": d.number,
                "status": d.outcome[3],
                "reason": d.outcome[4],
                "loaded_at": now,
            }
            for d in deliveries
        ]
    )
    con.register("_ledger_rows", ledger)
    try:
        con.execute("insert into audit.files_loaded by name select * from _ledger_rows")
    finally:
        con.unregister("_ledger_rows")


def _forget(con, feed: Feed, name: str) -> None:
    """Remove a file's earlier delivery (its rows and quarantine records)."""
    con.execute(f"delete from raw.{feed.name} where _file = ?", [name])
    con.execute("delete from audit.quarantine where feed = ? and file_name = ?", [feed.name, name])


def _count(delivery: _Delivery, tally: FeedTally, known: dict) -> None:
    read_n, loaded, quarantined, status, reason = delivery.outcome
    known[(delivery.feed.name, delivery.name)] = (delivery.sha, delivery.number)
    tally.rows_read += read_n
    tally.rows_loaded += loaded
    tally.rows_quarantined += quarantined
    if status == "rejected":
        tally.files_rejected += 1
        tally.rejected.append(f"{shown(delivery.name)}: {reason}")
    else:
        tally.files_loaded += 1
    if delivery.previous is not None:
        tally.redeliveries += 1


def _load_clean(con, feed: Feed, deliveries: list[_Delivery], batches: _Batches) -> None:
    """Insert the parsed files whose every row passes the feed's checks (one query for the
    group); a file with a failing row goes record by record instead, to say which and why."""
    if not deliveries:
        return
    table = _as_raw_columns(con, deliveries[0].parsed, _tagged(deliveries))
    con.register("_incoming", table)
    try:
        failing = {
            name
            for (name,) in con.execute(
                "select distinct _file from _incoming "
                f"where not _shape_ok or not ({bulk.rows_pass_sql(feed)})"
            ).fetchall()
        }
    finally:
        con.unregister("_incoming")
    for delivery in deliveries:
        if delivery.name in failing:
            delivery.parsed = None
    clean = [d for d in deliveries if d.name not in failing]
    if not clean:
        return
    if failing:
        files = table.column("_file").cast(pa.string())
        keep = pa_compute.invert(pa_compute.is_in(files, pa.array(sorted(failing), pa.string())))
        table = table.filter(keep)
    for offset in range(0, table.num_rows, BATCH_ROWS):
        batches.insert(table.slice(offset, BATCH_ROWS))
    for delivery in clean:
        n = delivery.parsed.table.num_rows
        delivery.outcome = (n, n, 0, "loaded", None)


def _as_raw_columns(con, parsed: bulk.Parsed, table: pa.Table) -> pa.Table:
    """The group's rows with the raw table's columns, `_line`, `_file`, `_sha256` and
    `_shape_ok` (false: the file goes record by record). Files whose rows are not yet its
    columns (JSON lines) are read into them here, in one query for the group, so the checks
    and the insert read the result rather than each parsing every record again."""
    if parsed.fields is None:
        return table.append_column("_shape_ok", pa.repeat(pa.scalar(True), table.num_rows))
    con.register("_incoming", table)
    try:
        return con.sql(
            f"select {parsed.fields}, _line, _file, _sha256, "
            f"coalesce({parsed.precondition}, false) as _shape_ok from {parsed.source}"
        ).to_arrow_table()
    finally:
        con.unregister("_incoming")


def _tagged(deliveries: list[_Delivery]) -> pa.Table:
    """The files' parsed rows in one table, each row with its file's name and sha256."""
    tables = []
    for delivery in deliveries:
        table = delivery.parsed.table
        # Dictionary-encoded: each row points at the file's one name and hash instead of
        # holding copies of them (1.5 s of a force-year's ingestion, as copies).
        first = pa.repeat(pa.scalar(0, pa.int32()), table.num_rows)
        for column, value in (("_file", delivery.name), ("_sha256", delivery.sha)):
            table = table.append_column(
                column, pa.DictionaryArray.from_arrays(first, pa.array([value], pa.string()))
            )
        tables.append(table)
    return pa.concat_tables(tables)


class _Batches:
    """Inserts into a raw table a batch at a time; the test hooks strike between batches."""

    def __init__(self, con, feed: Feed, now):
        self.con, self.feed, self.now = con, feed, now
        self.fields = bulk.columns_as_they_are(feed)  # the raw table's columns, in its order
        self.kill_after = _fault_injection()
        self.disk_full_after = _disk_full_injection()
        self.count = 0

    def insert(self, table: pa.Table) -> None:
        """`table` holds the raw table's columns, `_line`, `_file` and `_sha256`."""
        self.con.register("_incoming", table)
        try:
            self.con.execute(
                f"insert into raw.{self.feed.name} "
                f"select {self.fields}, _file, _line, _sha256, ? from _incoming",
                [self.now],
            )
        finally:
            self.con.unregister("_incoming")
        self.count += 1
        if self.kill_after is not None and self.count >= self.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
        if self.disk_full_after is not None and self.count >= self.disk_full_after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), table["_file"][0].as_py())


def _load_one_by_one(con, delivery: _Delivery, batches: _Batches, now) -> tuple:
    """A rejected file's quarantine record, or a file's rows record by record: each loaded
    or quarantined with its reason. The outcome: read, loaded, quarantined, status, reason."""
    feed, name, sha = delivery.feed, delivery.name, delivery.sha
    if delivery.fault is None:
        try:
            read_n, loaded, quarantined = _insert_record_by_record(con, delivery, batches, now)
            return read_n, loaded, quarantined, "loaded", None
        except FileFault as fault:
            _forget(con, feed, name)
            delivery.fault = fault
    rows = _data_rows(feed, delivery.data)
    con.execute(
        "insert into audit.quarantine values (?, ?, ?, null, ?, null, ?, ?)",
        [feed.name, name, sha, rows, f"file rejected: {delivery.fault.reason}", now],
    )
    return rows, 0, rows, "rejected", delivery.fault.reason


def _data_rows(feed: Feed, data: bytes) -> int:
    """Rows a rejected file holds: its lines, less the header of a CSV."""
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return max(0, lines - 1) if feed.format == "csv" else lines


def _insert_record_by_record(con, delivery: _Delivery, batches: _Batches, now) -> tuple:
    feed, name, sha = delivery.feed, delivery.name, delivery.sha
    columns = feed.table_columns
    batch: list[list[str]] = []
    bad: list[tuple] = []
    read_n = loaded = 0

    def flush() -> None:
        nonlocal batch, loaded
        if not batch:
            return
        *values, lines = zip(*batch, strict=True)
        n = len(batch)
        table = pa.Table.from_arrays(
            [
                *(pa.array(column, pa.string()) for column in values),
                pa.array(lines, pa.int64()),
                pa.array([name] * n, pa.string()),
                pa.array([sha] * n, pa.string()),
            ],
            names=[*columns, "_line", "_file", "_sha256"],
        )
        batches.insert(table)
        loaded += n
        batch = []

    for row in read(feed, delivery.data):
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
