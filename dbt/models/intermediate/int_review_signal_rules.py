"""The review queue's signals as config/review.yml defines them: weight, band and the reason
in words. A Python model so that the rules live in one file a data team edits, not in SQL."""

import pyarrow as pa

SCHEMA = pa.schema(
    [
        ("signal", pa.string()),
        ("weight", pa.int32()),
        ("band", pa.string()),
        ("reason", pa.string()),
    ]
)


def model(dbt, session):
    dbt.config(materialized="table")
    from dacall.review.config import review_config

    signals = review_config().signals
    return pa.table(
        {
            "signal": [s.name for s in signals],
            "weight": [s.weight for s in signals],
            "band": [s.band for s in signals],
            "reason": [s.reason for s in signals],
        },
        schema=SCHEMA,
    )
