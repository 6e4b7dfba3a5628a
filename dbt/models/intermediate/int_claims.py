"""Claims read out of the latest version of every C&C log entry.

The grammar is dacall.claims and the words are config/claims_vocabulary.yml; this model only
applies them. A Python model because free text is parsed far more clearly in Python than SQL.
"""

import pandas as pd


def model(dbt, session):
    dbt.config(materialized="table")
    from dacall.claims import parse

    log = dbt.ref("stg_cc_log").select(
        "incident_urn, log_seq, operator, entry_at, entry_text"
    ).fetchall()
    rows = []
    for incident_urn, log_seq, operator, entry_at, text in log:
        for claim in parse(text):
            rows.append(
                (incident_urn, log_seq, claim.system, claim.subject_type, claim.result,
                 operator, entry_at)
            )
    columns = ["incident_urn", "log_seq", "system", "subject_type", "claimed_result",
               "claimed_by", "claimed_at"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["log_seq"] = frame["log_seq"].astype("int32")
    frame["claimed_at"] = pd.to_datetime(frame["claimed_at"])
    return frame
