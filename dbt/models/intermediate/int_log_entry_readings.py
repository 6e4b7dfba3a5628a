"""Every C&C log entry (latest version) read once by the claims parser: one row per claim read
from it, and one row for an entry that names a system or a check word but claims nothing, with
the parser's reason. int_claims and int_unclaimed_check_entries are the two views of it.

The grammar is dacall.claims and the words are config/claims_vocabulary.yml; this model only
applies them. A Python model because free text is parsed far more clearly in Python than SQL.
"""

import pyarrow as pa

SCHEMA = pa.schema(
    [
        ("incident_urn", pa.string()),
        ("log_seq", pa.int32()),
        ("operator", pa.string()),
        ("entry_at", pa.timestamp("us")),
        ("reading", pa.string()),
        ("system", pa.string()),
        ("subject_type", pa.string()),
        ("claimed_result", pa.string()),
        ("claim_evidence", pa.string()),
        ("claim_doubts", pa.string()),
        ("unclaimed_reason", pa.string()),
        ("decided_by", pa.string()),
    ]
)


def model(dbt, session):
    dbt.config(materialized="table")
    from dacall.claims import read_entry

    log = dbt.ref("stg_cc_log").select(
        "incident_urn, log_seq, operator, entry_at, entry_text"
    ).fetchall()
    rows = []
    for incident_urn, log_seq, operator, entry_at, text in log:
        claims, unclaimed = read_entry(text)
        entry = (incident_urn, log_seq, operator, entry_at)
        for claim in claims:
            rows.append((*entry, "claim", claim.system, claim.subject_type, claim.result,
                         claim.evidence, "; ".join(claim.doubts) or None, None, None))
        if unclaimed is not None:
            rows.append((*entry, "unclaimed", None, None, None, None, None, *unclaimed))
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in SCHEMA.names]
    # An explicit schema keeps the types when there are no rows at all.
    return pa.table(dict(zip(SCHEMA.names, columns, strict=True)), schema=SCHEMA)
