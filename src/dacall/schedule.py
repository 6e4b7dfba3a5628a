"""The force's calendar (config/schedule.yml): when the DAGs start and run, and which business
day a run covers. The DAG files and the pipeline read it here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

import pendulum

from dacall.settings import UserError, load_yaml

FILE = "schedule.yml"


@dataclass(frozen=True)
class Schedule:
    timezone: pendulum.Timezone  # Airflow serialises only pendulum's time zones
    go_live: date
    nightly_at: time
    late_file_checks: tuple[time, ...]
    extracts_day: int
    extracts_at: time
    task_retries: int
    retry_delay: timedelta
    run_claim: timedelta  # how long a transform DAG run may hold the warehouse between tasks

    @property
    def start_date(self) -> datetime:
        return datetime.combine(self.go_live, time(0), self.timezone)

    def task_defaults(self) -> dict:
        """Every task's retry policy: a killed worker or a restarted scheduler is tried again."""
        return {"retries": self.task_retries, "retry_delay": self.retry_delay}

    def dag_arguments(self, dag_id: str, timetable, doc: str | None) -> dict:
        """What every dacall DAG shares, for `@dag(**...)`: it starts at go-live, never catches
        up, runs one at a time, and its tasks retry, alert on failure and take the warehouse's
        one-writer pool (DuckDB has one writer)."""
        from dacall.alerts import on_task_failure
        from dacall.pipeline import WAREHOUSE_POOL

        return {
            "dag_id": dag_id,
            "schedule": timetable,
            "start_date": self.start_date,
            "catchup": False,
            "max_active_runs": 1,
            "default_args": {
                "pool": WAREHOUSE_POOL,
                "on_failure_callback": on_task_failure,
                **self.task_defaults(),
            },
            "tags": ["dacall"],
            "doc_md": doc,
        }

    def ingest_crons(self) -> list[str]:
        return [_cron(at) for at in (self.nightly_at, *self.late_file_checks)]

    def extracts_cron(self) -> str:
        return _cron(self.extracts_at, day=str(self.extracts_day))

    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("a run's logical date carries its time zone")
        return moment.astimezone(self.timezone)

    def business_day(self, logical_date: datetime) -> date:
        """The day a run covers: the local day before the one it runs on."""
        return self.local(logical_date).date() - timedelta(days=1)

    def is_nightly(self, logical_date: datetime) -> bool:
        local = self.local(logical_date)
        return (local.hour, local.minute) == (self.nightly_at.hour, self.nightly_at.minute)

    def extract_period(self, logical_date: datetime) -> str:
        """The month a monthly extract run covers: the one before the local month it runs in."""
        first = self.local(logical_date).date().replace(day=1)
        return (first - timedelta(days=1)).strftime("%Y-%m")


def _cron(at: time, day: str = "*") -> str:
    return f"{at.minute} {at.hour} {day} * *"


def _time(value, field: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError as exc:
        message = f"config/{FILE}: {field} must be a local time HH:MM, not {value!r}"
        raise UserError(message) from exc


@cache
def schedule() -> Schedule:
    config = load_yaml(FILE)
    try:
        zone = pendulum.timezone(str(config.get("timezone", "Europe/London")))
    except ValueError as exc:  # pendulum's InvalidTimezone is one
        raise UserError(f"config/{FILE}: unknown timezone {config.get('timezone')!r}") from exc
    go_live = config.get("go_live")
    if not isinstance(go_live, date):
        raise UserError(f"config/{FILE}: go_live must be a date YYYY-MM-DD, not {go_live!r}")
    day = config.get("extracts_day", 2)
    if not isinstance(day, int) or not 1 <= day <= 28:
        raise UserError(f"config/{FILE}: extracts_day must be a day of the month from 1 to 28")
    retries, delay = config.get("task_retries", 2), config.get("retry_delay_seconds", 60)
    if not isinstance(retries, int) or retries < 0:
        raise UserError(f"config/{FILE}: task_retries must be a whole number, 0 or more")
    if not isinstance(delay, int) or delay < 0:
        raise UserError(f"config/{FILE}: retry_delay_seconds must be a whole number of seconds")
    claim_hours = config.get("run_claim_hours", 6)
    if (
        isinstance(claim_hours, bool)
        or not isinstance(claim_hours, int | float)
        or claim_hours <= 0
    ):
        raise UserError(f"config/{FILE}: run_claim_hours must be a number of hours above 0")
    checks = config.get("late_file_checks") or []
    if not isinstance(checks, list):
        raise UserError(f"config/{FILE}: late_file_checks must be a list of local times")
    return Schedule(
        timezone=zone,
        go_live=go_live,
        nightly_at=_time(config.get("nightly_at", "02:30"), "nightly_at"),
        late_file_checks=tuple(_time(v, "late_file_checks") for v in checks),
        extracts_day=day,
        extracts_at=_time(config.get("extracts_at", "06:00"), "extracts_at"),
        task_retries=retries,
        retry_delay=timedelta(seconds=delay),
        run_claim=timedelta(hours=claim_hours),
    )
