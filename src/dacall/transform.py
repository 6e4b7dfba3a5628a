"""Run the dbt project (dbt/) against the warehouse, in-process, and report per model."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dacall.settings import PROJECT_ROOT, UserError

DBT_DIR = PROJECT_ROOT / "dbt"


@dataclass
class DbtResult:
    success: bool
    statuses: Counter = field(default_factory=Counter)
    nodes: list[dict] = field(default_factory=list)  # name, type, status, seconds, failures
    failures: list[str] = field(default_factory=list)


def run_dbt(args: list[str], warehouse: Path) -> DbtResult:
    """`dbt <args>` on the project, with the warehouse path passed through the environment."""
    from dbt.cli.main import dbtRunner

    os.environ["DACALL_WAREHOUSE"] = str(Path(warehouse).resolve())
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    invocation = dbtRunner().invoke(
        [*args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--quiet"]
    )
    result = DbtResult(success=invocation.success)
    if invocation.exception is not None:
        raise UserError(f"dbt failed to start: {invocation.exception}")
    for node_result in getattr(invocation.result, "results", None) or []:
        node = node_result.node
        status = str(node_result.status)
        result.statuses[status] += 1
        result.nodes.append(
            {
                "name": node.name,
                "type": node.resource_type,
                "status": status,
                "seconds": round(node_result.execution_time or 0, 2),
                "failures": node_result.failures,
            }
        )
        if status in ("error", "fail"):
            message = " ".join((node_result.message or "").split())[:400]
            result.failures.append(f"{node.resource_type} {node.name}: {status} {message}")
    return result


def build(warehouse: Path, select: str | None = None) -> DbtResult:
    args = ["build"]
    if select:
        args += ["--select", select]
    return run_dbt(args, warehouse)
