"""Who is who: incident callers and partner records clustered into people by probabilistic
linkage (Splink on DuckDB, dacall.linkage; decisions in config/linkage.yml), with people's own
decisions on pairs of records (stg_link_decisions) overriding the model for those pairs.

A Python model so the linkage runs inside the one dbt build, between staging and the marts that
need it, under the warehouse's single writer. The pairs it scored are kept in the warehouse's
state folder (DACALL_LINKAGE_PAIRS, set by dacall.transform), so a night compares only the pairs
of new or changed records, with the same result (dacall.linkage_pairs).
"""

import os


def model(dbt, session):
    dbt.config(materialized="table")
    from dacall.linkage import link_records

    records = dbt.ref("int_person_records").to_arrow_table()
    decisions = dbt.ref("stg_link_decisions").to_arrow_table()
    kept = os.environ.get("DACALL_LINKAGE_PAIRS") or None
    links, _summary = link_records(records, decisions=decisions, kept_pairs=kept)
    return links
