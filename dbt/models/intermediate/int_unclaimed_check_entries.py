"""Log entries that name a system or a check word but from which no claim was read, and why.

The parser's own account (dacall.claims.unclaimed_reason): negated, deferred or handed over;
reported speech; or nothing it could read. These are what a data team labels to extend
config/claims_vocabulary.yml.
"""

import pyarrow as pa

SCHEMA = pa.schema(
    [
        ("incident_urn", pa.string()),
        ("log_seq", pa.int32()),
        ("entry_at", pa.timestamp("us")),
        ("operator", pa.string()),
        ("reason", pa.string()),
        ("decided_by", pa.string()),
    ]
)


def model(dbt, session):
    dbt.config(materialized="table")
    from dacall.claims import unclaimed_reason

    log = dbt.ref("stg_cc_log").select(
        "incident_urn, log_seq, entry_at, operator, entry_text"
    ).fetchall()
    columns = {name: [] for name in SCHEMA.names}
    for incident_urn, log_seq, entry_at, operator, text in log:
        found = unclaimed_reason(text)
        if found is None:
            continue
        reason, decided_by = found
        for name, value in zip(
            SCHEMA.names,
            (incident_urn, log_seq, entry_at, operator, reason, decided_by),
            strict=True,
        ):
            columns[name].append(value)
    return pa.table(columns, schema=SCHEMA)
