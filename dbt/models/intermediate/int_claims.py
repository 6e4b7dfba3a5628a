"""Claims read out of the latest version of every C&C log entry.

The grammar is dacall.claims and the words are config/claims_vocabulary.yml; this model only
applies them. A Python model because free text is parsed far more clearly in Python than SQL.
"""

import pyarrow as pa

SCHEMA = pa.schema(
    [
        ("incident_urn", pa.string()),
        ("log_seq", pa.int32()),
        ("system", pa.string()),
        ("subject_type", pa.string()),
        ("claimed_result", pa.string()),
        ("claimed_by", pa.string()),
        ("claimed_at", pa.timestamp("us")),
        ("claim_evidence", pa.string()),
        ("claim_doubts", pa.string()),
    ]
)


def model(dbt, session):
    dbt.config(materialized="table")
    from dacall.claims import parse

    log = dbt.ref("stg_cc_log").select(
        "incident_urn, log_seq, operator, entry_at, entry_text"
    ).fetchall()
    columns = {name: [] for name in SCHEMA.names}
    for incident_urn, log_seq, operator, entry_at, text in log:
        for claim in parse(text):
            for name, value in zip(
                SCHEMA.names,
                (incident_urn, log_seq, claim.system, claim.subject_type, claim.result,
                 operator, entry_at, claim.evidence, "; ".join(claim.doubts) or None),
                strict=True,
            ):
                columns[name].append(value)
    # An explicit schema keeps the types when there are no claims at all.
    return pa.table(columns, schema=SCHEMA)
