"""The suites, as code that writes the committed files under expectations/gx/expectations/.

The JSON files are what runs and what a pull request shows; change them here and run
`python -m dacall.validation.suites` to rewrite them, so both always agree.
"""

from __future__ import annotations

import copy

import great_expectations.expectations as gxe

CHANNELS = ["999", "101", "ONLINE", "TRANSFER", "FRONT COUNTER"]
YES_NO = ["Y", "N"]
GRADES = ["1", "2", "3", "4"]
RISK = ["STANDARD", "MEDIUM", "HIGH", "NOT ASSESSED"]


def _in_set(column: str, values: list, mostly: float | None = None):
    kwargs = {"mostly": mostly} if mostly else {}
    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values, **kwargs)


def _not_null(column: str):
    return gxe.ExpectColumnValuesToNotBeNull(column=column)


def _ledger_rows():
    # The rows in the raw table are exactly those the load ledger says were loaded.
    return gxe.ExpectTableRowCountToEqual(value={"$PARAMETER": "ledger_rows"})


RAW_GATES: dict[str, list] = {
    "cc_incidents": [
        _ledger_rows(),
        _not_null("urn"),
        gxe.ExpectColumnValuesToMatchRegex(column="urn", regex=r"^HC-\d{6}-\d{4}$"),
        _in_set("channel", CHANNELS),
        _in_set("abandoned", YES_NO),
        _in_set("silent", YES_NO),
        _in_set("deployed", YES_NO),
        _in_set("init_grade", GRADES),
        _in_set("final_grade", GRADES),
        _in_set("risk_level", RISK),
        _in_set("open_code", {"$PARAMETER": "incident_codes"}),
        _in_set("close_code", {"$PARAMETER": "incident_codes"}),
    ],
    "cc_log": [
        _ledger_rows(),
        _not_null("urn"),
        _not_null("seq"),
        _in_set("entry_type", ["REMARK", "RESULT", "GRADE", "RESOURCE", "CALLBACK", "SYSTEM"]),
    ],
    "audit_pnc": [
        _ledger_rows(),
        _not_null("pnc_user"),
        gxe.ExpectColumnValuesToBeUnique(column="txn_id"),
        _in_set("txn", ["QNAM", "QVRM", "QDRV", "UPDT"]),
    ],
    "audit_pnd": [
        _ledger_rows(),
        _not_null("user"),
        gxe.ExpectColumnValuesToBeUnique(column="event_id"),
        _in_set("search_kind", ["person", "location", "telephone", "vehicle", "organisation"]),
    ],
    "audit_rms": [
        _ledger_rows(),
        _not_null("user_id"),
        gxe.ExpectColumnValuesToBeUnique(column="audit_id"),
        _in_set(
            "action",
            [
                "SEARCH_PERSON",
                "SEARCH_LOCATION",
                "SEARCH_TELEPHONE",
                "VIEW_OCCURRENCE",
                "VIEW_PERSON",
                "UPDATE_RECORD",
                "LOGIN",
            ],
        ),
    ],
    "audit_cc": [
        _ledger_rows(),
        _not_null("user"),
        _in_set("search_type", ["NAME", "ADDRESS", "UPRN", "TELEPHONE"]),
    ],
    "staff_directory": [
        _ledger_rows(),
        _not_null("staff_no"),
        _in_set(
            "role", ["CALL HANDLER", "CONTROLLER", "SUPERVISOR", "OFFICER", "RESEARCHER", "ANALYST"]
        ),
    ],
    "partner_marac": [
        _ledger_rows(),
        _not_null("case_ref"),
        _in_set(
            "referring_agency",
            ["Police", "IDVA", "Health", "Children's Services", "Housing", "Probation", "Other"],
        ),
        _in_set("risk_basis", ["DASH 14+", "Professional Judgement", "Escalation", "Repeat"]),
        _in_set("repeat", ["Yes", "No"]),
    ],
    "partner_mash": [
        _ledger_rows(),
        _not_null("referral_id"),
        _in_set("concern_type", ["DA", "Neglect", "Physical", "Sexual", "Emotional", "Other"]),
        _in_set("outcome", ["NFA", "Early Help", "Section 17", "Section 47", "Strategy Meeting"]),
    ],
    "partner_vs": [
        _ledger_rows(),
        _not_null("vs_ref"),
        _in_set("consent", YES_NO),
        _in_set("service", ["IDVA", "ISVA", "General"]),
        _in_set("engaged", ["Y", "N", "Unknown"]),
    ],
}

# Checked on staging, once times are UTC: the order of events within an incident, and that a
# daily file holds the incidents closed on its business date (or just after midnight).
STAGING_GATES: dict[str, list] = {
    "stg_cc_incidents": [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="call_ended_at",
            column_B="answered_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="first_arrival_at",
            column_B="created_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="answered_at",
            column_B="created_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        gxe.ExpectColumnValuesToBeBetween(column="closed_day_offset", min_value=0, max_value=1),
        gxe.ExpectColumnValuesToBeUnique(column="incident_urn"),
    ],
}

# One row per business day a daily feed should have a file for: a day without one is an
# unexpected row. (A set of every expected day, as a parameter, grew with history and cost
# Great Expectations 2.7 s a night at five years, serialising it again and again.)
FRESHNESS = [
    gxe.ExpectColumnValuesToBeInSet(column="has_file", value_set=[True]),
]

COMPLIANCE = [
    # Every logged intelligence check has a matching audit entry. Failing claims are listed.
    gxe.ExpectColumnValuesToBeInSet(column="has_matching_audit", value_set=[True]),
]


def all_suites() -> dict[str, list]:
    suites = {f"gate_raw_{feed}": rules for feed, rules in RAW_GATES.items()}
    suites.update({f"gate_{model}": rules for model, rules in STAGING_GATES.items()})
    suites["gate_freshness"] = FRESHNESS
    suites["compliance_check_reconciliation"] = COMPLIANCE
    return suites


def write_suites() -> None:
    import great_expectations as gx

    from dacall.validation.context import get_context

    context = get_context()
    for name, expectations in all_suites().items():
        try:
            context.suites.delete(name)
        except Exception:  # noqa: BLE001 - not there yet
            pass
        suite = context.suites.add(gx.ExpectationSuite(name=name))
        for expectation in expectations:
            suite.add_expectation(copy.deepcopy(expectation))
        suite.save()


if __name__ == "__main__":
    write_suites()
