"""The rules the dbt project defines once (its seeds and variables), for the Python that needs
them: the report, the pilot and the exception list read them here rather than restating them.
The generator's answer key (dacall.generate.oracle) keeps its own reading of the spec on purpose:
it is the independent check the models are measured against."""

from __future__ import annotations

import csv
from functools import cache

from dacall.settings import dbt_dir, load_yaml_text


@cache
def reconciliation_statuses() -> tuple[dict, ...]:
    """The statuses of seeds/ref_reconciliation_statuses.csv, in their order of precedence."""
    with open(dbt_dir() / "seeds" / "ref_reconciliation_statuses.csv", newline="") as seed:
        rows = [
            {
                "status": row["status"],
                "precedence": int(row["precedence"]),
                "has_matching_audit": row["has_matching_audit"].strip().lower() == "true",
                "description": row["description"],
            }
            for row in csv.DictReader(seed)
        ]
    return tuple(sorted(rows, key=lambda row: row["precedence"]))


def status_names() -> tuple[str, ...]:
    return tuple(row["status"] for row in reconciliation_statuses())


def matching_statuses() -> frozenset[str]:
    """The statuses that count as a matching audit entry (not an exception)."""
    return frozenset(
        row["status"] for row in reconciliation_statuses() if row["has_matching_audit"]
    )


@cache
def dbt_vars() -> dict:
    """The project's variables (dbt_project.yml `vars`): standards, windows and look-backs."""
    return load_yaml_text((dbt_dir() / "dbt_project.yml").read_text())["vars"]


def dbt_var(name: str):
    return dbt_vars()[name]
