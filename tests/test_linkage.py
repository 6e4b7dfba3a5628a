"""Person linkage: the samples' links, and quality on generated data against the answer key."""

from __future__ import annotations

import logging
import random
import string
from datetime import date

import duckdb
import pyarrow as pa
import pytest
import yaml

from conftest import query
from dacall import linkage_pairs
from dacall.cli import main as cli_main
from dacall.config_schema import validate_all
from dacall.linkage import link_records
from dacall.linkage_quality import exact_match_baseline, pairwise_quality, read_truth
from dacall.settings import UserError
from dacall.warehouse import connect


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


# The linkage's parameters: fixed in config/linkage_parameters.yml, estimated by
# `dacall linkage-estimate`.

PAIR = [
    ("partner_vs", "VS/1", "OKAFOR", "GRACE", None, "SO32 8HH", None),
    ("partner_marac", "M-1", "OKAFOR", "GRACE", None, "SO32 8HH", None),
]


def _person_records(rows) -> pa.Table:
    columns = ("source", "source_record_id", "surname_key", "forename_key", "dob", "postcode")
    table = {name: [row[i] for row in rows] for i, name in enumerate(columns)}
    table["phone_e164"] = [row[6] for row in rows]
    table["record_date"] = [date(2025, 1, 1)] * len(rows)
    return pa.table(table)


def _strangers(count: int = 40) -> list[tuple]:
    """Records of `count` different people: no two share a name, a date or a place."""
    rng = random.Random(5)
    word = lambda: "".join(rng.choice(string.ascii_uppercase) for _ in range(8))  # noqa: E731
    return [
        (
            "cc_incidents",
            f"HC-{i:04d}",
            word(),
            word(),
            date(1960 + i, 1 + i % 12, 1 + i % 28),
            f"PO{i + 1} {i % 9}AB",
            f"+4477009{i:05d}",
        )
        for i in range(count)
    ]


def _people_of(links: pa.Table) -> dict[tuple[str, str], str]:
    columns = (links.column(c).to_pylist() for c in ("source", "source_record_id", "person_key"))
    return {(source, record): key for source, record, key in zip(*columns, strict=True)}


def test_fixed_parameters_link_a_pair_in_a_landing_too_small_to_estimate_from(config_copy):
    # No deterministic rule joins the pair (no date of birth, no telephone), so these records
    # give no prior of their own: the file's stands, and name and postcode link them.
    people = _people_of(link_records(_person_records(_strangers() + PAIR))[0])
    assert people["partner_vs", "VS/1"] == people["partner_marac", "M-1"]
    assert len(set(people.values())) == 41


def test_a_persons_key_is_made_from_the_first_of_their_records(config_copy):
    """The keys DuckDB makes for the bridge are person_key's: a person's key is the hash of the
    earliest-sorting of their records, whoever else is linked to them."""
    from collections import defaultdict

    from dacall.linkage import person_key

    links = link_records(_person_records(_strangers() + PAIR))[0]
    members = defaultdict(list)
    for source, record, key in zip(
        *(links.column(c).to_pylist() for c in ("source", "source_record_id", "person_key")),
        strict=True,
    ):
        members[key].append(f"{source}|{record}")
    assert len(members) == 41 and max(len(group) for group in members.values()) == 2
    assert {key: person_key(group) for key, group in members.items()} == {
        key: key for key in members
    }
    assert links.schema.field("match_probability").type == pa.float64()


def test_the_parameters_file_decides_what_agreeing_is_worth(config_copy):
    parameters = yaml.safe_load((config_copy / "linkage_parameters.yml").read_text())
    # Say a shared postcode is as common among different people as among one person's records:
    # then the pair has only its names, which do not make one person.
    for level in parameters["comparisons"]["postcode"]:
        level["u"] = level["m"]
    (config_copy / "linkage_parameters.yml").write_text(yaml.safe_dump(parameters))
    people = _people_of(link_records(_person_records(_strangers() + PAIR))[0])
    assert people["partner_vs", "VS/1"] != people["partner_marac", "M-1"]


def test_parameters_of_other_levels_are_refused_by_name(config_copy):
    parameters = yaml.safe_load((config_copy / "linkage_parameters.yml").read_text())
    del parameters["comparisons"]["dob"][1]  # day and month swapped
    (config_copy / "linkage_parameters.yml").write_text(yaml.safe_dump(parameters))
    with pytest.raises(UserError) as error:
        link_records(_person_records(_strangers() + PAIR))
    message = str(error.value)
    assert str(config_copy / "linkage_parameters.yml") in message
    assert "levels of dob" in message and "dacall linkage-estimate" in message


def test_linkage_estimate_writes_parameters_that_link_as_well(force_year, config_copy, tmp_path):
    generated, warehouse = force_year
    written = config_copy / "linkage_parameters.yml"
    written.unlink()
    assert cli_main(["linkage-estimate", "--warehouse", str(warehouse)]) == 0
    validate_all()  # the file it wrote passes the schema, and its levels are the model's:
    with connect(warehouse, read_only=True) as con:
        records = con.sql("select * from intermediate.int_person_records").to_arrow_table()
    people = _people_of(link_records(records)[0])
    quality = pairwise_quality(people, read_truth(generated / "truth"))
    assert quality["precision"] >= 0.99 and quality["recall"] >= 0.95


def test_linkage_estimate_needs_a_built_warehouse(tmp_path, capsys):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert cli_main(["linkage-estimate", "--warehouse", str(empty)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "int_person_records" in error


def test_linkage_estimate_refuses_too_few_records_in_one_line(tmp_path, capsys):
    warehouse = tmp_path / "small.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema intermediate")
        con.register("records", _person_records(_strangers(6) + PAIR))
        con.execute("create table intermediate.int_person_records as select * from records")
    out = tmp_path / "linkage_parameters.yml"
    assert cli_main(["linkage-estimate", "--warehouse", str(warehouse), "--out", str(out)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "too few" in error
    assert not out.exists()


def _force_year_records(warehouse) -> pa.Table:
    with connect(warehouse, read_only=True) as con:
        return con.sql("select * from intermediate.int_person_records").to_arrow_table()


def _rows(links: pa.Table) -> list[tuple]:
    return sorted(zip(*(links.column(c).to_pylist() for c in links.column_names), strict=True))


def test_pairs_are_weighed_as_splink_weighs_them(force_year, config_copy):
    """dacall.linkage_pairs adds each pair's prior, field weights and term-frequency
    adjustments itself (so kept pairs can be weighed again): on a force-year, its weights and
    probabilities are Splink's own, to the last bit, for every pair above the review floor."""
    from dacall import linkage, linkage_pairs
    from dacall.settings import load_yaml

    config = load_yaml("linkage.yml")
    parameters = linkage.fixed_parameters(config)
    con, prepared = linkage._open(_force_year_records(force_year[1]), config)
    table = linkage._register(con, prepared)
    linker, deterministic = linkage._linker(table, config, parameters)
    linker = linkage._with_prior_of_these_records(linker, deterministic, table, config, parameters)
    splink = linker.inference.predict(threshold_match_probability=0.5).physical_name
    con.execute(f"create table splink_pairs as select * from {splink}")
    linker.table_management.invalidate_cache()
    ours, counts = linkage_pairs.score(con, linker, table.db_api, 0.5, None)
    ((pairs, in_splink, in_ours, weight_differs, probability_differs, key_differs),) = con.execute(
        f"""
        select count(*), count(s.record_no_l), count(o.record_no_l),
               count(*) filter (where s.match_weight is distinct from o.match_weight),
               count(*) filter (where s.match_probability is distinct from o.match_probability),
               count(*) filter (where s.match_key is distinct from o.match_key)
        from splink_pairs as s full join {ours} as o using (record_no_l, record_no_r)
        """
    ).fetchall()
    assert pairs > 1000 and pairs == in_splink == in_ours
    assert (weight_differs, probability_differs, key_differs) == (0, 0, 0)
    assert counts["pairs_reused"] == 0 and counts["pairs_compared"] > pairs


def test_the_pairs_of_new_records_are_those_splinks_blocking_gives(force_year, config_copy):
    """A night blocks only the new and changed records against all (linkage_pairs): on a
    force-year with every seventh record new, the pairs, each once and by the same rule, that
    Splink's blocking of every record gives with a new record in them."""
    from dacall import linkage, linkage_pairs
    from dacall.settings import load_yaml

    config = load_yaml("linkage.yml")
    con, prepared = linkage._open(_force_year_records(force_year[1]), config)
    table = linkage._register(con, prepared)
    linker, _deterministic = linkage._linker(table, config, linkage.fixed_parameters(config))
    every = linker.inference.compute_blocked_pairs_for_predict().physical_name
    con.execute(
        "create temp table record_info as "
        "select record_no, record_no % 7 = 0 as is_new from prepared_records"
    )
    ours = linkage_pairs._blocked_pairs_with_new_records(linker)
    expected = f"""
        select match_key, join_key_l, join_key_r from {every}
        where join_key_l % 7 = 0 or join_key_r % 7 = 0"""
    found = f"select match_key, join_key_l, join_key_r from {ours}"
    ((pairs, missing, extra),) = con.execute(
        f"""
        select (select count(*) from ({expected})),
               (select count(*) from ({expected} except all {found})),
               (select count(*) from ({found} except all {expected}))
        """
    ).fetchall()
    assert pairs > 1000
    assert (missing, extra) == (0, 0)


def test_records_are_grouped_into_people_as_splink_groups_them(force_year, config_copy):
    """dacall.linkage finds the people (the connected components of the pairs at or above the
    threshold) with scipy: on a force-year, the same groups as Splink's own clustering."""
    from dacall import linkage, linkage_pairs
    from dacall.settings import load_yaml

    config = load_yaml("linkage.yml")
    threshold = float(config["match_threshold"])
    parameters = linkage.fixed_parameters(config)
    con, prepared = linkage._open(_force_year_records(force_year[1]), config)
    table = linkage._register(con, prepared)
    linker, deterministic = linkage._linker(table, config, parameters)
    linker = linkage._with_prior_of_these_records(linker, deterministic, table, config, parameters)
    scored, _counts = linkage_pairs.score(con, linker, table.db_api, 0.5, None)
    con.execute(f"create table pairs as select * from {scored}")
    linkage._cluster(con, prepared.num_rows, threshold)
    splink = linker.clustering.cluster_pairwise_predictions_at_threshold(
        table.db_api.register("pairs", table_name="pairs_input"),
        threshold_match_probability=threshold,
    ).physical_name
    ((records, ours, theirs, both, grouped),) = con.execute(
        f"""
        select count(*), count(distinct o.cluster_id), count(distinct s.cluster_id),
               count(distinct (o.cluster_id, s.cluster_id)),
               count(*) - count(distinct o.cluster_id)
        from clusters as o join {splink} as s using (record_no)
        """
    ).fetchall()
    assert records == prepared.num_rows
    assert grouped > 100  # records that joined another's group
    assert ours == theirs == both


def test_a_run_from_kept_pairs_links_as_one_that_compares_every_pair(
    force_year, config_copy, tmp_path, caplog, monkeypatch
):
    """The night before: a month fewer records, some since changed, some since gone. Tonight,
    from the pairs it kept, only the pairs of new and changed records are compared, and the
    bridge is the one a run comparing every pair gives, to the last bit; likewise from a
    damaged cache (whole, or past the pages that open it), from a link in its place (not used),
    and after the model's parameters changed."""
    import pyarrow.compute as pc

    records = _force_year_records(force_year[1])
    last = pc.max(records.column("record_date")).as_py()
    earlier = records.filter(
        pc.less(records.column("record_date"), date.fromordinal(last.toordinal() - 30))
    )
    ids = earlier.column("source_record_id").to_pylist()
    changed, gone = set(ids[::400]), set(ids[7::900])
    before = earlier.set_column(
        earlier.column_names.index("surname_key"),
        "surname_key",
        pa.array(
            [
                (s or "") + "Q" if r in changed else s
                for r, s in zip(ids, earlier.column("surname_key").to_pylist(), strict=True)
            ]
        ),
    )
    tonight = records.filter(
        pc.invert(pc.is_in(records.column("source_record_id"), pa.array(sorted(gone))))
    )
    cache = tmp_path / "kept" / "pairs.duckdb"

    _, night_before = link_records(before, kept_pairs=cache)
    assert night_before["pairs_reused"] == 0
    assert cache.stat().st_mode & 0o777 == 0o600
    kept, from_kept = link_records(tonight, kept_pairs=cache)
    every, compared_all = link_records(tonight)
    assert 0 < from_kept["pairs_compared"] < from_kept["pairs_reused"] / 5
    assert from_kept["pairs_compared"] + from_kept["pairs_reused"] == compared_all["pairs_compared"]
    assert compared_all["pairs_reused"] == 0
    assert _rows(kept) == _rows(every)
    assert link_records(tonight, kept_pairs=cache)[1]["pairs_compared"] == 0

    cache.write_bytes(b"not a database" * 100)
    damaged, counts = link_records(tonight, kept_pairs=cache)
    assert counts["pairs_reused"] == 0 and _rows(damaged) == _rows(every)
    assert link_records(tonight, kept_pairs=cache)[1]["pairs_compared"] == 0

    # Damaged past the pages DuckDB reads to open it: found while reading the pairs. Every block
    # holding the kept pairs is damaged (a fixed offset may fall in a free block, which nothing
    # reads: the file's layout moves with what each night deleted and wrote).
    with duckdb.connect(str(cache), read_only=True) as con:
        ((block_size,),) = con.execute("select block_size from pragma_database_size()").fetchall()
        blocks = con.execute(
            "select distinct block_id from pragma_storage_info('pairs') where block_id >= 0"
        ).fetchall()
    assert blocks
    with open(cache, "r+b") as file:
        for (block,) in blocks:
            # After the file's three 4 KiB headers; past each block's checksum.
            file.seek(3 * 4096 + block * block_size + 8)
            file.write(b"\xff" * 4096)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="dacall.linkage_pairs"):
        damaged_inside, counts = link_records(tonight, kept_pairs=cache)
    assert "kept pairs unreadable" in caplog.text
    assert counts["pairs_reused"] == 0 and _rows(damaged_inside) == _rows(every)
    assert link_records(tonight, kept_pairs=cache)[1]["pairs_compared"] > 0  # started again
    assert link_records(tonight, kept_pairs=cache)[1]["pairs_compared"] == 0

    # A read error met only after tonight's pairs were compared (where damage is found depends
    # on the file's layout): compared again, every pair.
    weigh, calls = linkage_pairs._weigh, []

    def fails_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise duckdb.IOException("a read error met late (injected)")
        return weigh(*args, **kwargs)

    monkeypatch.setattr(linkage_pairs, "_weigh", fails_once)
    late, counts = link_records(tonight, kept_pairs=cache)
    monkeypatch.setattr(linkage_pairs, "_weigh", weigh)
    assert len(calls) == 2 and counts["pairs_reused"] == 0 and _rows(late) == _rows(every)
    assert link_records(tonight, kept_pairs=cache)[1]["pairs_compared"] > 0  # started again

    # A link where the cache should be is neither read nor written through.
    elsewhere = tmp_path / "elsewhere.duckdb"
    cache.rename(elsewhere)
    cache.symlink_to(elsewhere)
    unchanged = elsewhere.read_bytes()
    linked, counts = link_records(tonight, kept_pairs=cache)
    assert counts["pairs_reused"] == 0 and _rows(linked) == _rows(every)
    assert cache.is_symlink() and elsewhere.read_bytes() == unchanged
    cache.unlink()

    parameters = yaml.safe_load((config_copy / "linkage_parameters.yml").read_text())
    parameters["comparisons"]["phone"][0]["m"] *= 0.5
    (config_copy / "linkage_parameters.yml").write_text(yaml.safe_dump(parameters))
    changed_model, counts = link_records(tonight, kept_pairs=cache)
    assert counts["pairs_reused"] == 0
    assert _rows(changed_model) == _rows(link_records(tonight)[0]) != _rows(every)


def _probabilities(records: pa.Table, config_copy, decimals: int) -> dict[tuple, float]:
    settings = yaml.safe_load((config_copy / "linkage.yml").read_text())
    settings["probability_decimals"] = decimals
    (config_copy / "linkage.yml").write_text(yaml.safe_dump(settings))
    links = link_records(records)[0]
    columns = (links.column(c).to_pylist() for c in links.column_names)
    return {(s, r, k): p for s, r, k, p in zip(*columns, strict=True)}


def test_probabilities_are_published_cut_down_and_hold_still_from_night_to_night(
    force_year, config_copy
):
    """Each night's prior moves every probability below 1 in its last places. Published to
    probability_decimals places, cut down (never rounded up, so a threshold on them answers as
    on the model's), the records already linked keep their probabilities when a day's records
    arrive; in full, most of them move."""
    import pyarrow.compute as pc

    tonight = _force_year_records(force_year[1])
    last = pc.max(tonight.column("record_date")).as_py()
    last_night = tonight.filter(pc.less(tonight.column("record_date"), last))
    full, cut = (_probabilities(tonight, config_copy, places) for places in (12, 3))
    assert full.keys() == cut.keys()
    linked = [row for row, probability in full.items() if probability < 1]
    assert len(linked) > 1000
    assert sum(cut[row] != full[row] for row in linked) > len(linked) / 2
    assert all(
        cut[row] <= full[row] < cut[row] + 0.001
        and abs(cut[row] * 1000 - round(cut[row] * 1000)) < 1e-6
        for row in full
    )

    full_before, cut_before = (
        _probabilities(last_night, config_copy, places) for places in (12, 3)
    )
    kept = [row for row in linked if row in full_before]
    moved = sum(full_before[row] != full[row] for row in kept)
    moved_cut = sum(cut_before[row] != cut[row] for row in kept)
    assert moved > len(kept) / 2
    assert moved_cut < len(kept) / 50
