"""The partner datasets count days as the marts do, in local time (Europe/London): hand-made
referrals and incidents around midnight in summer, through the real dbt models and a real
extract. In BST, 23:30 UTC is 00:30 the next day."""

from __future__ import annotations

import pytest

from dacall.extracts import make_extract
from dacall.transform import run_dbt
from test_extracts import _column, csv_text

# MARAC and Victim Support referrals of one person on 1 June 2025 (a partner's day, local).
REFERRALS = [
    ("partner_marac", "M-1", "P1", 1.0, "2025-06-01", None),
    ("partner_vs", "VS-1", "P1", 1.0, "2025-06-01", True),
]
# The person's domestic incidents: created_at in UTC, created_month the local month (as
# fct_incidents has it).
INCIDENTS = [
    # 23:30 BST on 31 May: the day before the referral.
    ("HC-DAY-BEFORE", "2025-05-31 22:30:00", "2025-05-01", "999"),
    # 00:30 BST on 1 June: the referral's own day, so not before it (UTC would say 31 May).
    ("HC-MIDNIGHT", "2025-05-31 23:30:00", "2025-06-01", "101"),
    # 00:30 BST on 2 June: a day after the Victim Support referral (UTC would say 1 June).
    ("HC-NEXT-DAY", "2025-06-01 23:30:00", "2025-06-01", "ONLINE"),
    # 00:30 BST on 1 June 2024: exactly 12 months before, inside the look-back (UTC: outside).
    ("HC-YEAR-EDGE", "2024-05-31 23:30:00", "2024-06-01", "999"),
]


@pytest.fixture(scope="module")
def midnight_warehouse(tmp_path_factory):
    """A warehouse holding only what the partner datasets read, then the real dbt build of
    int_referral_incidents and the datasets on it (models, contracts, data and unit tests)."""
    import duckdb

    warehouse = tmp_path_factory.mktemp("midnight") / "dacall.duckdb"
    con = duckdb.connect(str(warehouse))
    for schema in ("intermediate", "marts", "audit"):
        con.execute(f"create schema {schema}")
    con.execute(
        "create table intermediate.int_partner_referrals (source varchar, source_record_id "
        "varchar, person_key varchar, match_probability double, referred_on date, "
        "has_consent boolean)"
    )
    con.executemany(
        "insert into intermediate.int_partner_referrals values (?, ?, ?, ?, ?, ?)", REFERRALS
    )
    con.execute(
        "create table marts.fct_incidents (incident_urn varchar, created_at timestamp, "
        "created_month date, channel varchar, is_domestic boolean, init_grade integer, "
        "final_grade integer, is_deployed boolean, risk_level varchar, child_present boolean, "
        "weapon boolean, claims bigint, unverified_claims bigint, person_key varchar)"
    )
    con.executemany(
        "insert into marts.fct_incidents values (?, ?, ?, ?, true, 2, 2, true, 'MEDIUM', "
        "false, false, 1, 0, 'P1')",
        INCIDENTS,
    )
    con.execute(
        "create table marts.bridge_person_records as select 'cc_incidents' as source, "
        "incident_urn as source_record_id, person_key, 1.0::double as match_probability "
        "from marts.fct_incidents"
    )
    con.execute(
        "create table marts.fct_prior_history as select incident_urn, 0::bigint as "
        "prior_incidents_person from marts.fct_incidents"
    )
    con.close()
    result = run_dbt(
        ["build", "--select", "int_referral_incidents+", "home_office_counts"], warehouse
    )
    assert result.success, result.failures
    return warehouse


def test_marac_lookback_is_in_local_days(midnight_warehouse, tmp_path):
    manifest = make_extract("marac", "2025-06", midnight_warehouse, tmp_path)
    text = csv_text(tmp_path, "marac", "2025-06")
    # The incident at 00:30 on the referral's day is not before it; the one at 00:30 on the
    # same day a year earlier is inside the 12 months. Ordered by time of the incident.
    assert _column(text, "incident_month") == ["2024-06", "2025-05"]
    assert _column(text, "channel") == ["999", "999"]
    assert manifest["rows"] == 2


def test_victim_support_counts_incidents_from_the_next_local_day(midnight_warehouse, tmp_path):
    manifest = make_extract("victim_support", "2025-06", midnight_warehouse, tmp_path)
    text = csv_text(tmp_path, "victim_support", "2025-06")
    # 00:30 BST on 2 June is after a referral of 1 June; 00:30 on 1 June is not.
    assert _column(text, "channel") == ["ONLINE"]
    assert manifest["rows"] == 1


def test_home_office_month_is_the_local_month(midnight_warehouse, tmp_path):
    make_extract("home_office", "2025-06", midnight_warehouse, tmp_path)
    lines = csv_text(tmp_path, "home_office", "2025-06").splitlines()
    # Two incidents of June in local time, one of them at 23:30 UTC on 31 May; both fewer than
    # five, so withheld, but the channels say which incidents were counted.
    channels = {c.split(",")[2] for c in lines[1:] if c.split(",")[1] == "channel"}
    assert channels == {"101", "ONLINE"}


def test_a_warehouse_without_the_datasets_is_a_one_line_error(tmp_path):
    import duckdb

    from dacall.settings import UserError

    warehouse = tmp_path / "wh" / "dacall.duckdb"
    warehouse.parent.mkdir(mode=0o700)
    duckdb.connect(str(warehouse)).close()
    with pytest.raises(UserError, match=r"no exports\.marac_prior_incidents: run `dacall run`"):
        make_extract("marac", "2025-06", warehouse, tmp_path / "out")
    assert not (tmp_path / "out").exists()
