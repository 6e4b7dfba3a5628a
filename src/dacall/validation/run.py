"""Run the suites on data handed to Great Expectations as DataFrames, and record the results.

Validating through GX's DuckDB SQLAlchemy datasource does not work (every expectation raises
inside and reports a false failure), so each table is queried with DuckDB and validated as a
pandas DataFrame. A result that carries an exception is never taken as a verdict: it stops the
run with the expectation and the message.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from great_expectations.expectations import ExpectColumnValuesToBeUnique

from dacall.settings import UserError
from dacall.validation.context import DATA_DOCS_FOLDER, RESULTS_ARCHIVE, RESULTS_FOLDER
from dacall.validation.suites import RAW_GATES, STAGING_GATES


@dataclass
class Verdict:
    suite: str
    target: str
    success: bool
    expectations: int
    failed: list[str] = field(default_factory=list)  # "expectation on column: n unexpected"
    unexpected_rows: list[dict] = field(default_factory=list)  # compliance: the failing claims

    def line(self) -> str:
        if self.success:
            return f"{self.suite} on {self.target}: PASS ({self.expectations} expectations)"
        return f"{self.suite} on {self.target}: FAIL ({'; '.join(self.failed)})"


class Validator:
    def __init__(self, con, run_id: str, reports: Path | None = None):
        from dacall import paths
        from dacall.validation.context import get_context, skip_frame_fingerprints

        skip_frame_fingerprints()
        self.con = con
        self.run_id = run_id
        self.suites_validated: set[str] = set()  # whose pages build_docs renders
        self.reports = Path(reports or paths.reports())
        (database,) = con.execute(
            "select path from duckdb_databases() where database_name = current_database()"
        ).fetchone()
        self.context = get_context(paths.state(Path(database)), self.reports)
        # Get before add: updating the data source would drop its assets and re-add them with
        # new ids, rewriting the committed GX config on every run.
        try:
            self.source = self.context.data_sources.get("dacall")
        except KeyError:
            self.source = self.context.data_sources.add_pandas(name="dacall")

    def _definition(self, suite_name: str, target: str):
        import great_expectations as gx

        try:
            asset = self.source.get_asset(target)
        except LookupError:
            asset = self.source.add_dataframe_asset(name=target)
        try:
            batch = asset.get_batch_definition("whole table")
        except KeyError:
            batch = asset.add_batch_definition_whole_dataframe("whole table")
        suite = self.context.suites.get(suite_name)
        return self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"{suite_name}__{target}", data=batch, suite=suite)
        )

    def validate(
        self,
        suite_name: str,
        target: str,
        frame,
        parameters: dict | None = None,
        index_columns: list[str] | None = None,
    ) -> Verdict:
        definition = self._definition(suite_name, target)
        result_format = {"result_format": "SUMMARY"}
        if index_columns:
            result_format = {
                "result_format": "COMPLETE",
                "unexpected_index_column_names": index_columns,
            }
        from great_expectations.core.run_identifier import RunIdentifier

        validated_at = datetime.now(UTC)
        self.suites_validated.add(suite_name)
        result = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=parameters or {},
            result_format=result_format,
            # Named after the run, so that its Data Docs pages can be built alone.
            run_id=RunIdentifier(run_name=self.run_id, run_time=validated_at),
        )
        verdict = Verdict(suite_name, target, bool(result.success), len(result.results))
        now = validated_at.replace(tzinfo=None)
        rows = []
        for item in result.results:
            config = item.expectation_config
            if item.exception_info.get("raised_exception"):
                message = (item.exception_info.get("exception_message") or "").splitlines()[0]
                raise UserError(
                    f"Great Expectations raised inside {config.type} ({suite_name} on "
                    f"{target}): {message}; this is not a verdict on the data"
                )
            column = config.kwargs.get("column") or config.kwargs.get("column_A")
            details = item.result or {}
            unexpected = details.get("unexpected_count")
            observed = details.get("observed_value")
            rows.append(
                [
                    self.run_id,
                    suite_name,
                    target,
                    config.type,
                    column,
                    bool(item.success),
                    details.get("element_count"),
                    unexpected,
                    None if observed is None else json.dumps(observed, default=str)[:500],
                    now,
                ]
            )
            if not item.success:
                what = f"{config.type.replace('expect_', '')}" + (f" on {column}" if column else "")
                count = (
                    f"{unexpected:,} unexpected"
                    if unexpected is not None
                    else (f"observed {json.dumps(observed, default=str)[:80]}")
                )
                verdict.failed.append(f"{what}: {count}")
                if index_columns:
                    verdict.unexpected_rows.extend(
                        {k: _plain(v) for k, v in row.items()}
                        for row in details.get("unexpected_index_list") or []
                    )
        self.con.executemany(
            "insert into audit.validation_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
        return verdict

    def build_docs(self) -> None:
        """The pages of the results this validator recorded, and the index (a step run on its
        own, as an Airflow task). The pages of earlier steps and runs are built already:
        rendering every stored result again, as GX does by default, would make each night
        slower than the one before."""
        # This run's results only, listed by their folders (suite, then run): listing every
        # stored result, as the store's list_keys does, grows with every night kept.
        store = self.context.validation_results_store
        results = [
            store.tuple_to_key(key)
            for suite in sorted(self.suites_validated)
            for key in store.store_backend.list_keys((suite, self.run_id))
        ]
        build_data_docs(self.context, self.reports, results)


def build_run_data_docs(warehouse: Path, reports: Path) -> None:
    """Data Docs once for a whole run of every step (`dacall run`, after its last validating
    step), rather than after each of its three validating steps (each build reads the results
    the index lists: 0.5 s of a five-year night's 0.8 s): the pages of the stored results that
    have none (the run's own, and those of a run killed before its Data Docs were built), and
    the index."""
    from dacall import paths
    from dacall.validation.context import get_context

    context = get_context(paths.state(warehouse), reports)
    store = context.validation_results_store
    stored, pages = reports / RESULTS_FOLDER, reports / DATA_DOCS_FOLDER / "validations"
    # The store keeps only the results the index shows (archive_results_beyond_index), so
    # this looks at a few hundred files at most.
    kept = [result.relative_to(stored) for result in stored.rglob("*.json")]
    results = [
        store.tuple_to_key(result.with_suffix("").parts)
        for result in kept
        if len(result.parts) == 4  # suite, run, run time, batch
        and not (pages / result).with_suffix(".html").exists()
    ]
    build_data_docs(context, reports, results)


def build_data_docs(context, reports: Path, results: list) -> None:
    """The pages of `results` (keys of GX's results store), of every suite when they are
    missing or the suites changed, and the index; then the results the index no longer shows
    are archived."""
    from dacall.validation.data_docs import make_offline

    started = time.time()
    site = reports / DATA_DOCS_FOLDER
    suites = context.expectations_store.list_keys()  # every suite, a fixed number
    rendered = site / SUITE_PAGES_FINGERPRINT
    current = _suite_pages_fingerprint()
    if _suite_pages_current(site, suites, rendered, current):
        suites = []  # as they were rendered: only the index and these results change
    else:
        rendered.unlink(missing_ok=True)  # a build that fails leaves no claim of being current
    # An empty list would mean every page of every result: the index is rebuilt anyway.
    context.build_data_docs(resource_identifiers=[*results, *suites] or [None])
    # A file's time can lag the clock by a tick: a second's margin rewrites a page twice at
    # worst, which changes nothing.
    make_offline(site, changed_since=started - 1)
    if suites:
        from dacall.warehouse import write_private

        write_private(rendered, current.encode())
    archive_results_beyond_index(
        reports / RESULTS_FOLDER,
        reports / RESULTS_ARCHIVE,
        context.variables.data_docs_sites["local_site"]["site_index_builder"][
            "validation_results_limit"
        ],
    )


SUITE_PAGES_FINGERPRINT = "suite_pages.fingerprint"


def archive_results_beyond_index(results: Path, archive: Path, shown: int) -> int:
    """Keep in GX's results store only the newest results, those its Data Docs index shows
    (`shown`, the index's validation_results_limit, and any of the same time as the last of
    them); move the older ones, folder by folder, to `archive` under the same names. Returns
    how many results were moved.

    GX lists every stored result on every Data Docs build (for the index and for each section,
    before it keeps the newest), so a store that kept every night's results made every night's
    validation slower than the one before: with 1,000 earlier runs kept, a night's raw gates
    took 11 to 13 s against 2.3 s with the store kept so (docs/validation.md). Nothing is
    lost before its retention period (config/retention.yml, validation_result_files): the
    archive keeps the files, their pages stay in the site, and every verdict is in the
    warehouse's audit.validation_results."""
    from dacall.warehouse import private_dir

    # A result is <suite>/<run name>/<run time>/<batch>.json; run times sort as they happened.
    batches = sorted(
        (folder for folder in results.glob("*/*/*") if folder.is_dir()),
        key=lambda folder: folder.name,
        reverse=True,
    )
    kept, moved, last_kept = 0, 0, None
    for folder in batches:
        count = sum(1 for _ in folder.glob("*.json"))
        if kept < shown or folder.name == last_kept:
            kept, last_kept = kept + count, folder.name
            continue
        target = archive / folder.relative_to(results)
        private_dir(target.parent)  # results hold incident references: owner-only
        os.replace(folder, target)
        moved += count
        run = folder.parent
        if not any(run.iterdir()):
            run.rmdir()
    return moved


def _suite_pages_fingerprint() -> str:
    """What a suite's page shows: the committed suites and the GX that renders them."""
    import great_expectations as gx

    from dacall.settings import expectations_dir

    digest = hashlib.sha256(gx.__version__.encode())
    for suite_file in sorted((expectations_dir() / "gx" / "expectations").glob("*.json")):
        digest.update(suite_file.name.encode() + b"\0" + suite_file.read_bytes())
    return digest.hexdigest()


def _suite_pages_current(site: Path, suites: list, rendered: Path, current: str) -> bool:
    """Every suite's page is there and was rendered from the suites as they are. They are
    rendered again only when a suite changes: rendering them three times a night was a tenth
    of a night's validation."""
    pages = site / "expectations"
    return (
        rendered.exists()
        and rendered.read_text() == current
        and all((pages / f"{key.name}.html").exists() for key in suites)
    )


def _exists(con, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and "
            "table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )


def _utc_now() -> datetime:
    """Now, as the audit tables keep times: UTC without a zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def _plain(value):
    return value.item() if hasattr(value, "item") else value


# Each file of feed $feed as the raw table holds it: its latest delivery in the load ledger.
LATEST_DELIVERIES = """
    select * from audit.files_loaded
    where feed = $feed
    qualify row_number() over (partition by file_name order by delivery desc) = 1
"""


def _ledger_rows(con, feed: str) -> int:
    return con.execute(
        f"select coalesce(sum(rows_loaded), 0) from ({LATEST_DELIVERIES})", {"feed": feed}
    ).fetchall()[0][0]


def raw_gates(validator: Validator, everything: bool = False) -> list[Verdict]:
    """Quality gates on the raw feeds; a failure stops the models downstream of that feed.

    A night gates the rows of the files delivered since their feed's gate last passed (or whose
    rules changed since), not all history again; `everything` gates every row. Two checks still
    cover the whole table: a unique id is checked against the earlier rows that share it (they
    join the frame), and the row count against the load ledger counts the rows outside the
    frame in SQL."""
    con = validator.con
    codes = [
        r[0]
        for r in con.execute(
            "select code from read_csv(?, header = true, all_varchar = true)",
            [str(_reference("ref_incident_codes.csv"))],
        ).fetchall()
    ]
    verdicts = []
    for feed, expectations in RAW_GATES.items():
        if not _exists(con, "raw", feed):
            continue
        suite = f"gate_raw_{feed}"
        rules = _rules_fingerprint(suite, codes)
        frame, fresh = _ungated_rows(con, feed, expectations, rules, everything)
        (in_table,) = con.execute(f"select count(*) from raw.{feed}").fetchone()
        outside_frame = in_table - len(frame)
        parameters = {
            "ledger_rows": int(_ledger_rows(con, feed)) - outside_frame,
            "incident_codes": codes,
        }
        verdict = validator.validate(suite, f"raw.{feed}", frame, parameters)
        if verdict.success:
            _record_gated(con, feed, fresh, rules, validator.run_id)
        verdicts.append(verdict)
    return verdicts


def _rules_fingerprint(suite: str, codes: list[str]) -> str:
    """The rules a file was gated under: its committed suite and the reference list it reads."""
    from dacall.settings import expectations_dir

    suite_file = expectations_dir() / "gx" / "expectations" / f"{suite}.json"
    digest = hashlib.sha256(suite_file.read_bytes())
    digest.update("\n".join(sorted(codes)).encode())
    return digest.hexdigest()


def _ungated_rows(con, feed: str, expectations: list, rules: str, everything: bool):
    """The rows of the files not yet gated under `rules`, and the gated rows that share a unique
    id with one of them; and those files (name, SHA-256)."""
    columns = sorted({e.column for e in expectations if hasattr(e, "column")})
    unique = [e.column for e in expectations if isinstance(e, ExpectColumnValuesToBeUnique)]
    selected = ", ".join(f'"{c}"' for c in columns)
    same_id = " or ".join(f'"{c}" in (select "{c}" from fresh)' for c in unique) or "false"
    # The files first, from the load ledger: the latest delivery of each file, as in the raw
    # table (a load writes both in one transaction; the ledger keeps files whose rows retention
    # deleted, which have no rows to gate). Found in the raw table itself, by a scan of two
    # columns of every row, they took 0.3 s a night at five years, and as long again to record.
    # Then their rows by file name: rows are stored a file at a time, so DuckDB skips the rest
    # of history by the names' ranges.
    files = con.execute(
        f"""
        with delivered as ({LATEST_DELIVERIES})
        select delivered.file_name, delivered.sha256, gated.file_name is not null
        from delivered
        left join (
            select distinct file_name, sha256 from audit.gated_files
            where feed = $feed and rules = $rules and not $everything
        ) as gated using (file_name, sha256)
        where delivered.rows_loaded > 0
        """,
        {"feed": feed, "rules": rules, "everything": everything},
    ).fetchall()
    fresh = [(name, sha) for name, sha, gated in files if not gated]
    if len(fresh) == len(files):  # nothing gated yet (a first load, or every row on demand)
        return _text_frame(con, f"select {selected} from raw.{feed}"), fresh
    frame = _text_frame(
        con,
        f"""
        with fresh_files as (
            select unnest($names) as file_name, unnest($hashes) as sha256
        ),
        fresh as materialized (
            select * from raw.{feed}
            where _file in (select file_name from fresh_files)
                and (_file, _sha256) in (select (file_name, sha256) from fresh_files)
        )
        select {selected} from fresh
        union all
        select {selected} from raw.{feed}
        where ({same_id})
            and (_file, _sha256) not in (select (file_name, sha256) from fresh_files)
        """,
        {"names": [name for name, _ in fresh], "hashes": [sha for _, sha in fresh]},
    )
    return frame, fresh


def _text_frame(con, query: str, parameters: dict | None = None):
    """The rows of a query of text columns (a raw table's) as a pandas DataFrame, read through
    Arrow: the frame `.df()` gives, since pandas holds text as Arrow strings either way, but
    without a Python string made for every value on the way (a force-year's raw rows took
    2.3 s through `.df()`, 0.5 s so)."""
    return con.sql(query, params=parameters).to_arrow_table().to_pandas()


def _record_gated(con, feed: str, files: list[tuple[str, str]], rules: str, run_id: str) -> None:
    """Record `files` (name, SHA-256) as gated under `rules`, once."""
    if not files:
        return
    con.execute(
        """
        insert into audit.gated_files
        select distinct $feed, fresh.file_name, fresh.sha256, $rules, $run_id, $gated_at
        from (select unnest($names) as file_name, unnest($hashes) as sha256) as fresh
        where not exists (
            select 1 from audit.gated_files as gated
            where gated.feed = $feed and gated.rules = $rules
                and gated.file_name = fresh.file_name and gated.sha256 = fresh.sha256
        )
        """,
        {
            "feed": feed,
            "names": [name for name, _ in files],
            "hashes": [sha for _, sha in files],
            "rules": rules,
            "run_id": run_id,
            "gated_at": _utc_now(),
        },
    )


def staging_gates(validator: Validator) -> list[Verdict]:
    con = validator.con
    verdicts = []
    for model in STAGING_GATES:
        if not _exists(con, "staging", model):
            continue  # not built: its feed's gate stopped it
        frame = con.execute(f"""
            select incident_urn, created_at, answered_at, call_ended_at, first_arrival_at,
                   date_diff('day',
                       strptime(regexp_extract(source_file, '(\\d{{8}})', 1), '%Y%m%d')::date,
                       cast(timezone('Europe/London', timezone('UTC', closed_at)) as date)
                   ) as closed_day_offset
            from staging.{model}
        """).df()
        verdicts.append(validator.validate(f"gate_{model}", f"staging.{model}", frame))
    return verdicts


def freshness(validator: Validator, up_to: date | None) -> list[Verdict]:
    """Every daily feed has a file for every business day up to `up_to` (reported by name)."""
    from dacall.ingest.feeds import load_feeds

    con = validator.con
    verdicts = []
    for feed in (name for name, spec in load_feeds().items() if not spec.monthly):
        frame = _days_with_a_file(con, feed, up_to)
        if frame is None:
            continue
        verdict = validator.validate("gate_freshness", f"files of {feed}", frame)
        missing = sorted(frame["business_date"][~frame["has_file"]])
        if missing:
            verdict.failed = _missing_days(con, feed, missing)
        verdicts.append(verdict)
    return verdicts


def _days_with_a_file(con, feed: str, up_to: date | None):
    """One row per business day from the feed's first loaded day to `up_to` (by default its
    last), and whether a file of that day was loaded; None when no file ever was."""
    loaded = "feed = $feed and status = 'loaded' and business_date is not null"
    first, last = con.execute(
        f"select min(business_date), coalesce($up_to::date, max(business_date)) "
        f"from audit.files_loaded where {loaded}",
        {"feed": feed, "up_to": up_to},
    ).fetchone()
    if first is None:
        return None
    return con.execute(
        f"""
        select strftime(day, '%Y-%m-%d') as business_date,
               day::date in (select business_date from audit.files_loaded where {loaded})
                   as has_file
        from range($first, $last + 1, interval 1 day) as days(day)
        order by day
        """,
        {"feed": feed, "first": first, "last": last},
    ).df()


def _missing_days(con, feed: str, missing: list[str]) -> list[str]:
    """Days without a loaded file, told apart: no file at all, or a file that was rejected
    (with the latest delivery's reason)."""
    rejected = dict(
        (day.isoformat(), reason)
        for day, reason in con.execute(
            "select business_date, arg_max(reason, loaded_at) from audit.files_loaded "
            "where feed = ? and status = 'rejected' and business_date is not null group by 1",
            [feed],
        ).fetchall()
    )
    absent = [day for day in missing if day not in rejected]
    refused = [day for day in missing if day in rejected]
    lines = []
    if absent:
        lines.append(
            f"{feed} has no file for {len(absent)} day(s): "
            + ", ".join(absent[:5])
            + ("..." if len(absent) > 5 else "")
        )
    if refused:
        lines.append(
            f"{feed} file rejected for {len(refused)} day(s): "
            + ", ".join(f"{day} ({rejected[day]})" for day in refused[:5])
            + ("..." if len(refused) > 5 else "")
        )
    return lines


CLAIM_STATE = ["incident_urn", "log_seq", "system", "subject_type", "status", "has_matching_audit"]


def compliance(validator: Validator, everything: bool = False) -> Verdict:
    """Every logged check has a matching audit entry; the failing claims are listed.

    A night validates the claims that are new or whose status changed since the suite last saw
    them (a late audit file can turn an exception into a match), so a night's verdict and alert
    name that night's findings, not every exception of history again; `everything` validates
    every claim."""
    con = validator.con
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'fct_check_reconciliation'"
    ).fetchone()[0]
    if not exists:
        raise UserError(
            "the compliance suite cannot run: marts.fct_check_reconciliation is not in the "
            "warehouse (its marts have not been built; run `dacall run`)"
        )
    suite = "compliance_check_reconciliation"
    rules = _rules_fingerprint(suite, [])
    state = ", ".join(CLAIM_STATE)
    matches = " and ".join(f"seen.{c} = claim.{c}" for c in CLAIM_STATE)
    not_seen = f"""
        from marts.fct_check_reconciliation as claim
        where not exists (
            select 1 from audit.compliance_validated as seen
            where seen.rules = $rules and not $everything and {matches}
        )"""
    frame = con.execute(
        f"select {state} {not_seen} order by incident_urn, log_seq, system, subject_type",
        {"rules": rules, "everything": everything},
    ).df()
    verdict = validator.validate(
        suite,
        "marts.fct_check_reconciliation",
        frame,
        index_columns=["incident_urn", "log_seq", "system", "subject_type", "status"],
    )
    # What was validated is recorded as seen: the frame itself, not the same query run again.
    con.register("validated_claims", frame)
    try:
        con.execute(
            f"insert into audit.compliance_validated select {state}, $rules, $run_id, $now "
            "from validated_claims",
            {"rules": rules, "run_id": validator.run_id, "now": _utc_now()},
        )
    finally:
        con.unregister("validated_claims")
    return verdict


def _reference(name: str):
    from dacall.settings import dbt_dir

    return dbt_dir() / "seeds" / name
