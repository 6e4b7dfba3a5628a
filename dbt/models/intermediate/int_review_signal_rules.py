"""The review queue's signals as config/review.yml defines them: weight, band and the reason
in words (signal, weight, band, reason; dacall.review.config.Signal). A Python model so that
the rules live in one file a data team edits, not in SQL."""


def model(dbt, session):
    dbt.config(materialized="table")
    from dacall.review.config import arrow_table

    return arrow_table("signal")
