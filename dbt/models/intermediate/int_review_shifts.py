"""The force's shift pattern from config/review.yml: minutes after local midnight (shift,
starts_minute, ends_minute; dacall.review.config.Shift)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from dacall.review.config import arrow_table

    return arrow_table("shift")
