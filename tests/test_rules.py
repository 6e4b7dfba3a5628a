"""Each rule is defined once: the statuses' precedence in their seed is the order the
reconciliation model applies them, and the Python that needs a rule reads it from dbt."""

from __future__ import annotations

import re

from dacall import rules
from dacall.settings import dbt_dir


def test_the_reconciliation_model_applies_the_statuses_in_the_seeds_order():
    sql = (dbt_dir() / "models" / "intermediate" / "int_check_reconciliation.sql").read_text()
    decided = sql[sql.index("decided as (") :]
    decided = decided[: decided.index("end as status")]
    applied = re.findall(r"then '([A-Z_]+)'", decided) + re.findall(r"else '([A-Z_]+)'", decided)
    assert applied == list(rules.status_names())


def test_the_statuses_and_standards_come_from_the_dbt_project():
    assert rules.matching_statuses() == {"VERIFIED", "VERIFIED_BY_COLLEAGUE"}
    assert rules.status_names()[0] == "NO_SUBJECT" and rules.status_names()[-1] == "NO_AUDIT"
    assert rules.dbt_var("answer_standard_pct") == 90
    assert rules.dbt_var("weak_response_grades") == [3, 4]
