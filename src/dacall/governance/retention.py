"""Retention applied: delete what is past its period in config/retention.yml and record what
was deleted (counts, periods and cut-off dates, never the data) in audit.retention_runs.

Raw rows are aged by the business date of the file that delivered them; every model is rebuilt
from raw on every run or, if incremental, drops the rows whose raw row is gone
(dbt/macros/incremental.sql), so the next dbt build drops whatever referred to deleted rows.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from dacall import linkage_pairs, paths
from dacall.settings import UserError, load_yaml
from dacall.warehouse import connect

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_TABLE = re.compile(r"(audit)\.([a-z_][a-z0-9_]{0,62})")
_PERIOD_FOLDER = re.compile(r"(\d{4})-(\d{2})")
_RUN_TIME_FOLDER = re.compile(r"(\d{4})(\d{2})(\d{2})T\d{6}")


@dataclass(frozen=True)
class Rule:
    name: str
    what: str
    keep_months: int
    age_from: str
    basis: str
    feeds: tuple[str, ...] = ()
    table: str | None = None
    children: tuple[str, ...] = ()
    extracts: bool = False
    validation_results: bool = False


def load_rules() -> list[Rule]:
    spec = load_yaml("retention.yml")
    rules = []
    for number, item in enumerate(spec.get("rules") or [], start=1):
        where = f"config/retention.yml rule {number}"
        try:
            rule = Rule(
                name=str(item["name"]),
                what=" ".join(str(item["what"]).split()),
                keep_months=int(item["keep_months"]),
                age_from=str(item["age_from"]),
                basis=" ".join(str(item["basis"]).split()),
                feeds=tuple(item.get("feeds") or ()),
                table=item.get("table"),
                children=tuple(item.get("children") or ()),
                extracts=bool(item.get("extracts", False)),
                validation_results=bool(item.get("validation_results", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError(f"{where}: missing or malformed {exc}") from exc
        if rule.keep_months < 1:
            raise UserError(f"{where}: keep_months must be at least 1")
        kinds = (bool(rule.feeds), bool(rule.table), rule.extracts, rule.validation_results)
        if sum(kinds) != 1:
            raise UserError(
                f"{where}: give exactly one of feeds, table, extracts or validation_results"
            )
        for name in (*rule.feeds, rule.age_from):
            if not _NAME.fullmatch(name):
                raise UserError(f"{where}: not a name: {name!r}")
        for table in (rule.table, *rule.children):
            if table is not None and not _TABLE.fullmatch(table):
                raise UserError(f"{where}: only audit.<table> may be named: {table!r}")
        rules.append(rule)
    if not rules:
        raise UserError("config/retention.yml: no rules")
    return rules


def retention_cron() -> str:
    """The daily run's cron expression, from config/retention.yml's run_at (local HH:MM)."""
    text = str(load_yaml("retention.yml").get("run_at", "04:00"))
    match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", text)
    if not match:
        raise UserError(f"config/retention.yml: run_at must be a time HH:MM, not {text!r}")
    return f"{int(match.group(2))} {int(match.group(1))} * * *"


def cutoff(as_of: date, keep_months: int) -> date:
    """The first day still kept: as_of minus keep_months (clamped to the month's end)."""
    months = as_of.year * 12 + as_of.month - 1 - keep_months
    year, month = divmod(months, 12)
    month += 1
    for day in (as_of.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _tables(con) -> set[str]:
    return {
        f"{s}.{t}"
        for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    }


def _apply_feed(con, feed: str, limit: date, dry_run: bool, tables: set[str]) -> int:
    if f"raw.{feed}" not in tables:
        return 0
    old = (
        f"select file_name from audit.files_loaded where feed = '{feed}' and business_date < $limit"
    )
    count = con.execute(
        f"select count(*) from raw.{feed} where _file in ({old})", {"limit": limit}
    ).fetchone()[0]
    if count and not dry_run:
        con.execute(f"delete from raw.{feed} where _file in ({old})", {"limit": limit})
    return count


def _apply_table(con, rule: Rule, limit: date, dry_run: bool, tables: set[str]) -> int:
    if rule.table not in tables:
        return 0
    old = f"{rule.age_from} < $limit"
    count = con.execute(
        f"select count(*) from {rule.table} where {old}", {"limit": limit}
    ).fetchone()[0]
    if count and not dry_run:
        for child in rule.children:
            if child in tables:
                con.execute(
                    f"delete from {child} where disclosure_id in "
                    f"(select disclosure_id from {rule.table} where {old})",
                    {"limit": limit},
                )
        con.execute(f"delete from {rule.table} where {old}", {"limit": limit})
    return count


def _apply_extracts(root: Path, limit: date, dry_run: bool) -> int:
    """Period folders (and their review lists) whose month ended before the cut-off."""
    removed = 0
    if not root.is_dir():
        return 0
    for partner in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        for item in sorted(partner.iterdir()):
            match = _PERIOD_FOLDER.match(item.name)
            if not match or item.is_symlink():
                continue
            year, month = int(match.group(1)), int(match.group(2))
            month_end = date(year + month // 12, month % 12 + 1, 1)
            if month_end > limit:
                continue
            removed += 1
            if dry_run:
                continue
            if item.is_dir():
                shutil.rmtree(item)
            else:
                item.unlink()
    return removed


def _apply_validation_results(reports: Path, limit: date, dry_run: bool) -> int:
    """Validations (a suite's result, its archived copy and its Data Docs page) whose run, by
    the UTC date its folder is named after (<suite>/<run name>/<YYYYMMDDTHHMMSS...Z>), was
    before the cut-off; returns how many validations, each counted once."""
    from dacall.validation.context import validation_result_folders

    removed: set[tuple[str, str, str]] = set()
    for root in validation_result_folders(reports):
        if not root.is_dir() or root.is_symlink():
            continue
        for run_time in sorted(root.glob("*/*/*")):
            match = _RUN_TIME_FOLDER.match(run_time.name)
            if not match or run_time.is_symlink() or not run_time.is_dir():
                continue
            if date(*map(int, match.groups())) >= limit:
                continue
            removed.add(run_time.relative_to(root).parts)
            if dry_run:
                continue
            shutil.rmtree(run_time)
            run = run_time.parent
            if not any(run.iterdir()):
                run.rmdir()
    return len(removed)


def apply_retention(
    warehouse: Path | None = None,
    extracts_root: Path | None = None,
    as_of: date | None = None,
    dry_run: bool = False,
    run_by: str = "dacall",
    reports: Path | None = None,
) -> list[dict]:
    """Apply every rule; returns and records one line per rule and target (counts only).
    `reports` is the warehouse's reports folder (default: `paths.reports_for`)."""
    warehouse = paths.warehouse_or_configured(warehouse)
    extracts_root = Path(extracts_root or paths.extracts())
    reports = Path(reports or paths.reports_for(warehouse))
    as_of = as_of or datetime.now(UTC).date()
    rules = load_rules()
    run_id = str(uuid.uuid4())
    lines: list[dict] = []
    con = connect(warehouse)
    try:
        tables = _tables(con)
        con.execute("begin transaction")
        for rule in rules:
            limit = cutoff(as_of, rule.keep_months)
            if rule.feeds:
                targets = [
                    (f"raw.{feed}", _apply_feed(con, feed, limit, dry_run, tables))
                    for feed in rule.feeds
                ]
            elif rule.table:
                targets = [(rule.table, _apply_table(con, rule, limit, dry_run, tables))]
            elif rule.extracts:
                targets = [("extract folders", _apply_extracts(extracts_root, limit, dry_run))]
            else:
                targets = [("validations", _apply_validation_results(reports, limit, dry_run))]
            for target, deleted in targets:
                lines.append(
                    {
                        "rule": rule.name,
                        "target": target,
                        "keep_months": rule.keep_months,
                        "cutoff": limit.isoformat(),
                        "deleted": deleted,
                    }
                )
                con.execute(
                    "insert into audit.retention_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        run_id,
                        datetime.now(UTC).replace(tzinfo=None),
                        run_by,
                        as_of,
                        rule.name,
                        target,
                        rule.keep_months,
                        limit,
                        deleted,
                        dry_run,
                    ],
                )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.close()
    if not dry_run and any(line["deleted"] for line in lines):
        # The linkage's kept pairs name records by id: the removed ones' go now, not next build.
        linkage_pairs.forget(paths.state(warehouse))
    return lines


def schedule_markdown(rules: list[Rule]) -> str:
    """The retention schedule for the IG officer, generated from config/retention.yml
    (`python -m dacall.governance.retention > docs/governance/retention-schedule.md`)."""
    lines = [
        "# Retention schedule",
        "",
        "Generated from `config/retention.yml` (a test checks they agree). `dacall retention`",
        "applies it every day (Airflow DAG `dacall_retention`) and records what it deleted",
        "(counts, periods and cut-off dates, never the data) in `audit.retention_runs`;",
        "`dacall retention --dry-run` shows what it would delete. Age is measured from:",
        "the day a feed file covers (business date), the table's own date column, an",
        "extract's month, or the day a validation ran (run_time).",
        "",
        "| Record | Kept for | Age from | Why |",
        "|---|---|---|---|",
    ]
    for rule in rules:
        years, months = divmod(rule.keep_months, 12)
        period = (f"{years} years" if years else "") + (
            f"{' ' if years else ''}{months} months" if months else ""
        )
        lines.append(f"| {rule.what} | {period} | {rule.age_from} | {rule.basis} |")
    lines += [
        "",
        "Kept for the life of the system: `audit.retention_runs` (what this schedule deleted) and",
        "`audit.files_loaded` (file names, hashes and counts; no personal data; without it old",
        "landing files would load again). `audit.landing_files_seen` (the same, with sizes and",
        "times) holds only the files in the landing folder now, and `audit.model_builds` one row",
        "per build phase (which model code built it). The staging, intermediate, marts",
        "and exports (the partner datasets) schemas are rebuilt from the raw rows on every run,",
        "so they never hold what retention deleted for longer than a day. Landing files are the",
        "delivering system's copy: remove them from the landing folder on the same schedule (the",
        "force's file-transfer process).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(schedule_markdown(load_rules()), end="")
