"""The DuckDB warehouse: where it is, how to open it, and the pipeline's own tables.

DuckDB allows one writing process at a time. Everything that writes goes through
`connect(path)` inside one process step (the Airflow tasks that write share a one-slot pool);
readers use `connect(path, read_only=True)`.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

import duckdb

from dacall.settings import UserError

DEFAULT_WAREHOUSE = Path("warehouse/dacall.duckdb")

# Every table the pipeline keeps about itself, created in one place whenever the warehouse is
# opened for writing: a module that writes to one of them never creates it.
AUDIT_DDL = """
create schema if not exists raw;
create schema if not exists audit;
create table if not exists audit.files_loaded (
    feed varchar not null,
    file_name varchar not null,
    business_date date,
    sha256 varchar not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    delivery integer not null,
    status varchar not null,          -- loaded | rejected
    reason varchar,                    -- why a file was rejected
    loaded_at timestamp not null
);
-- What each landing file was when its bytes were last hashed (dacall.ingest.seen): a file still
-- the same to its inode and status-change time is not read again to learn it is loaded.
create table if not exists audit.landing_files_seen (
    feed varchar not null,
    file_name varchar not null,
    device ubigint not null,
    inode ubigint not null,
    size bigint not null,
    mtime_ns bigint not null,
    ctime_ns bigint not null,
    sha256 varchar not null
);
create table if not exists audit.quarantine (
    feed varchar not null,
    file_name varchar not null,
    sha256 varchar not null,
    line bigint,                       -- null when the whole file was rejected
    rows bigint not null,              -- 1 for a row; every row of a rejected file
    raw_text varchar,                  -- personal data: this schema is restricted
    reason varchar not null,
    quarantined_at timestamp not null
);
-- A person's decision on whether two records are the same person (dacall links): overrides the
-- probabilistic linkage for that pair on every later run.
create table if not exists audit.link_decisions (
    source_l varchar not null,
    record_l varchar not null,
    source_r varchar not null,
    record_r varchar not null,
    decision varchar not null,         -- same | different
    decided_by varchar not null,
    decided_at timestamp not null,
    reason varchar
);
-- The delivered files whose rows passed their raw quality gate, and under which rules (a hash of
-- the suite and its reference lists): a night gates only the files not in here
-- (dacall.validation.run.raw_gates).
create table if not exists audit.gated_files (
    feed varchar not null,
    file_name varchar not null,
    sha256 varchar not null,
    rules varchar not null,
    run_id varchar not null,
    gated_at timestamp not null
);
-- Each claim's status as the compliance suite last validated it, and under which suite (a hash):
-- a night validates only the claims that are new or whose status changed since
-- (dacall.validation.run.compliance).
create table if not exists audit.compliance_validated (
    incident_urn varchar not null,
    log_seq integer not null,
    system varchar not null,
    subject_type varchar not null,
    status varchar not null,
    has_matching_audit boolean not null,
    rules varchar not null,
    run_id varchar not null,
    validated_at timestamp not null
);
-- What each build phase's incremental models were last built with (dacall.model_fingerprint).
create table if not exists audit.model_builds (
    phase varchar not null,            -- staging | marts
    fingerprint varchar not null,
    built_at timestamp not null
);
create table if not exists audit.pipeline_runs (
    run_id varchar not null,
    step varchar not null,
    started_at timestamp not null,
    finished_at timestamp,
    status varchar not null,
    detail varchar
);
-- Great Expectations' verdicts, one row per expectation run (dacall.validation.run).
create table if not exists audit.validation_results (
    run_id varchar not null,
    suite varchar not null,
    target varchar not null,
    expectation varchar not null,
    column_name varchar,
    success boolean not null,
    element_count bigint,
    unexpected_count bigint,
    observed_value varchar,
    validated_at timestamp not null
);
-- What retention deleted: counts, periods and cut-offs, never the data (dacall.governance).
create table if not exists audit.retention_runs (
    run_id varchar not null,
    run_at timestamp not null,
    run_by varchar not null,
    as_of date not null,
    rule varchar not null,
    target varchar not null,
    keep_months integer not null,
    cutoff date not null,
    deleted bigint not null,
    dry_run boolean not null
);
-- The disclosure log: one row per extract (dacall.extracts) and one per person in it, by
-- person key only, so a subject access request can list every disclosure of a person.
create table if not exists audit.disclosures (
    partner varchar not null,
    agreement varchar not null,
    period varchar not null,
    fields varchar not null,
    rows bigint not null,
    file_hashes varchar not null,
    made_by varchar not null,
    made_at timestamp not null
);
-- Columns added after the first release: older warehouses gain them when next opened.
alter table audit.disclosures add column if not exists disclosure_id varchar;
alter table audit.disclosures add column if not exists dataset varchar;
alter table audit.disclosures add column if not exists recipient_fingerprint varchar;
alter table audit.disclosures add column if not exists signing_fingerprint varchar;
create table if not exists audit.disclosure_subjects (
    disclosure_id varchar not null,
    person_key varchar not null
);
create table if not exists audit.subject_access_requests (
    request_id varchar not null,
    requested_at timestamp not null,
    requested_by varchar not null,
    looked_up_by varchar not null,     -- name_dob | ref (never the name or reference itself)
    people integer not null,
    records integer not null,
    claims integer not null,
    disclosures integer not null,
    file_name varchar
);
create table if not exists audit.erasures (
    erasure_id varchar not null,
    erased_at timestamp not null,
    erased_by varchar not null,
    looked_up_by varchar not null,     -- name_dob | ref
    source varchar not null,
    records integer not null,
    rows_deleted bigint not null,
    outcome varchar not null           -- erased | retained
);
"""


def private_dir(path: Path) -> Path:
    """The folder `path`, creating it and any missing parents readable only by their owner
    (they will hold personal data). A folder that already exists keeps its mode: it may be
    shared, and the project never changes the mode of a folder it did not create."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    try:
        for folder in reversed(missing):
            try:
                os.mkdir(folder, 0o700)
            except FileExistsError:
                continue  # made meanwhile by another process: not ours to change
            os.chmod(folder, 0o700)  # mkdir's mode is masked by the umask; this one is ours
        if not path.is_dir():
            raise UserError(f"{path} exists and is not a folder")
    except OSError as exc:
        raise UserError(f"cannot create the folder {path}: {exc.strerror}") from exc
    return path


@contextmanager
def owner_only():
    """Files and folders created inside are readable only by their owner, including those a
    library creates (DuckDB's write-ahead log, Great Expectations' results and Data Docs)."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def plain_file_of_mine(path: Path) -> bool:
    """Whether `path` is a plain file of this user's: not a link, not another user's, there."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return False
    return stat.S_ISREG(found.st_mode) and found.st_uid == os.geteuid()


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable only by its owner (it holds personal or disclosed data).

    Written to a new file beside it and renamed over it: a reader never sees half a file, and
    a symbolic link planted at `path` is replaced, never followed."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        raise UserError(f"cannot write {path}: it is a folder")
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise UserError(f"cannot write into {path.parent}: {exc.strerror}") from exc
    try:
        with os.fdopen(descriptor, "wb") as handle:  # mkstemp creates it 0600
            handle.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {exc.strerror}") from exc


def warehouse_folder(path: Path) -> Path:
    """The folder the warehouse file `path` lives in, created private if it is missing."""
    try:
        return private_dir(Path(path).parent)
    except UserError as exc:
        cause = exc.__cause__
        why = cause.strerror if isinstance(cause, OSError) else str(exc)
        raise UserError(f"cannot create the warehouse folder {Path(path).parent}: {why}") from exc


def require_warehouse(path: Path | str) -> None:
    """A warehouse that is only to be read: a missing one is named as missing."""
    if not Path(path).exists():
        raise UserError(f"warehouse not found: {path} (run `dacall run` first)")


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if read_only:
        require_warehouse(path)
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise UserError(f"cannot open warehouse {path}: {str(exc).splitlines()[0]}") from exc
    warehouse_folder(path)
    old_umask = os.umask(0o077)
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise UserError(f"cannot open warehouse {path}: {str(exc).splitlines()[0]}") from exc
    finally:
        os.umask(old_umask)
    if path.exists():
        os.chmod(path, 0o600)
    con.execute(AUDIT_DDL)
    return con
