"""Why each claim was read, and the entries the parser was unsure of, in the warehouse built
from the spec's samples (real dbt, real DuckDB)."""

from __future__ import annotations

from conftest import query


def test_every_reconciled_claim_carries_the_words_it_was_read_from(sample_warehouse):
    rows = dict(
        (f"{u}/{s}/{sy}:{su}", e)
        for u, s, sy, su, e in query(
            sample_warehouse,
            "select incident_urn, log_seq, system, subject_type, claim_evidence "
            "from marts.fct_check_reconciliation",
        )
    )
    assert all(rows.values())
    assert rows["HC-250214-0415/2/PNC:PERSON"] == "PNC | IP | NTR"
    assert rows["HC-250214-0415/2/RMS:ADDRESS"] == "NICHE | ADDR | 3 PREV DOMESTICS + MARKER"
    assert rows["HC-250214-0412/4/CAD:ADDRESS"] == "INTEL [standard set] | ADDRESS | NIL TRACE"


def test_claims_on_the_standard_check_set_are_listed_for_review(sample_warehouse):
    assert query(
        sample_warehouse,
        "select incident_urn, log_seq, reason, claims from marts.fct_parser_review",
    ) == [("HC-250214-0412", 4, "claim on the standard check set", 6)]
