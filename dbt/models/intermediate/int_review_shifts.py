"""The force's shift pattern from config/review.yml: minutes after local midnight."""

import pyarrow as pa

SCHEMA = pa.schema(
    [
        ("shift", pa.string()),
        ("starts_minute", pa.int32()),
        ("ends_minute", pa.int32()),
    ]
)


def model(dbt, session):
    dbt.config(materialized="table")
    from dacall.review.config import review_config

    shifts = review_config().shifts
    return pa.table(
        {
            "shift": [s.name for s in shifts],
            "starts_minute": [s.starts_minute for s in shifts],
            "ends_minute": [s.ends_minute for s in shifts],
        },
        schema=SCHEMA,
    )
