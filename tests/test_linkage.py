"""Person linkage: the samples' links, and quality on generated data against the answer key."""

from __future__ import annotations

from conftest import query
from dacall.linkage_quality import exact_match_baseline, pairwise_quality, read_truth


def test_the_samples_links_are_found(sample_warehouse):
    key = dict(
        ((s, r), k)
        for s, r, k in query(
            sample_warehouse,
            "select source, source_record_id, person_key from marts.bridge_person_records",
        )
    )
    # Chloé HARGREAVES 03/07/1991 is MARAC's Chloe Hargreaves 07/03/1991 (day and month swapped).
    assert key[("cc_incidents", "HC-250214-0412")] == key[("partner_marac", "M-2025-0032")]
    caller = key[("cc_incidents", "HC-250214-0415")]
    for partner in (
        ("partner_marac", "M-2025-0031"),
        ("partner_mash", "LA-88121"),
        ("partner_vs", "VS/25/00417"),
    ):
        assert key[partner] == caller, partner
    # VS/25/00422 did not consent: not linked, not even held as a person (config/governance.yml).
    assert ("partner_vs", "VS/25/00422") not in key
    assert key[("cc_incidents", "HC-250214-0412")] != caller
    # The referral nine days before her call is now history the checks would have surfaced.
    assert query(
        sample_warehouse,
        "select marac_referrals_in_lookback, history_visible, missed_history "
        "from marts.fct_prior_history where incident_urn = 'HC-250214-0412'",
    ) == [(1, True, True)]


def test_linkage_quality_meets_the_targets_on_a_force_year(force_year):
    generated, generated_warehouse = force_year
    truth = read_truth(generated / "truth")
    links = dict(
        ((s, r), k)
        for s, r, k in query(
            generated_warehouse,
            "select source, source_record_id, person_key from marts.bridge_person_records",
        )
    )
    records = query(
        generated_warehouse,
        "select source, source_record_id, surname_key, forename_key, "
        "cast(dob as varchar), phone_e164 from intermediate.int_person_records",
    )
    splink = pairwise_quality(links, truth)
    baseline = pairwise_quality(exact_match_baseline(records), truth)
    print(f"\nsplink {splink}\nexact  {baseline}")
    assert splink["precision"] >= 0.99 and splink["recall"] >= 0.95
    assert splink["f1"] > baseline["f1"]


def test_pairwise_quality_counts_pairs():
    truth = {("a", "1"): "p", ("a", "2"): "p", ("a", "3"): "p", ("b", "1"): "q"}
    links = {("a", "1"): "x", ("a", "2"): "x", ("a", "3"): "y", ("b", "1"): "x"}
    q = pairwise_quality(links, truth)
    assert (q["true_pairs"], q["predicted_pairs"], q["true_positive_pairs"]) == (3, 3, 1)
    assert abs(q["precision"] - 1 / 3) < 1e-9 and abs(q["recall"] - 1 / 3) < 1e-9
