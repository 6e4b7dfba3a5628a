"""Scored pairs kept between runs, so a night compares only the pairs of records that are new or
changed, and its answer is still the one a full run would give.

Splink scores a candidate pair in two parts. Comparing the two records (string similarities,
dates) gives each field a match weight that depends only on the two records and the model's m
and u probabilities: that is nearly all of the cost, and it is what is kept here, per pair, with
a fingerprint of each record's compared values. The rest depends on all the records and is
worked out again on every run, for every pair: the prior (the chance that two random records
are one person) and the term-frequency adjustments (an agreeing name counts for more the rarer
it is). They are added as Splink adds them (`splink.internals.predict`, `ComparisonLevel.
_tf_adjustment_sql`): the match weight is the prior's weight plus each field's weight and
adjustment, in the comparisons' order; `tests/test_linkage.py` checks the sum against Splink's
own prediction.

A kept pair is used only while both records' compared values, the comparisons and their m and
u probabilities, the blocking rules, Splink and DuckDB are the ones it was scored with;
everything else is scored again. Since whether two records are a candidate pair depends on those
two alone, a night looks for candidate pairs only with a new or changed record in them (Splink's
blocking of those records against all), not among every record again. A cache that cannot be
read is started again, and the night compares every pair.

The cache is a DuckDB file in the warehouse's state folder (`PAIR_CACHE`), readable only by its
owner. It holds no names, but it is personal data all the same (pseudonymised): each record's
id (the source's own reference), a 64-bit hash of its compared values (a guessed identity can
be checked against it) and each pair's field weights (which records share a surname, a date of
birth). A full refresh, an erasure and a retention run remove it (`forget`); any run removes
the pairs of records no longer held.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from pathlib import Path

import duckdb

from dacall.settings import UserError

log = logging.getLogger(__name__)

PAIR_CACHE = "linkage_pairs.duckdb"
# Raised when the way a kept pair is scored changes, so that old caches are not read.
CACHE_FORMAT = 1


def forget(state_dir: Path) -> None:
    """Remove a warehouse's kept pairs (a full refresh, an erasure, a retention run)."""
    _remove(Path(state_dir) / PAIR_CACHE)


def _files(cache: Path) -> tuple[Path, Path]:
    """The cache's database file and its write-ahead log."""
    return cache, Path(f"{cache}.wal")


def _remove(cache: Path) -> None:
    for name in _files(cache):
        name.unlink(missing_ok=True)


def _model_key(model: dict) -> str:
    """What a kept pair depends on besides its two records: the comparisons and their m and u
    probabilities (a field's weight) and the blocking rules (which pairs are candidates, and
    the rule that found each)."""
    import splink

    parts = [
        CACHE_FORMAT,
        splink.__version__,
        duckdb.__version__,
        model["comparisons"],
        model["blocking_rules_to_generate_predictions"],
    ]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _fields(model: dict) -> list[dict]:
    """Each comparison's name and, where an exact match is weighed by how common the value is,
    that level's u probability, adjustment weight and floor."""
    fields = []
    for comparison in model["comparisons"]:
        field = {"name": comparison["output_column_name"], "tf": None}
        levels = comparison["comparison_levels"]
        for index, level in enumerate(levels):
            column = level.get("tf_adjustment_column")
            if column and level.get("tf_adjustment_weight", 1.0):
                # _weigh reads "the pair is at this level" as "the two values are equal": true
                # only of an exact match that no level before it but the null level can take.
                first = all(earlier.get("is_null_level") for earlier in levels[:index])
                exact = level["sql_condition"] == f'"{column}_l" = "{column}_r"'
                if field["tf"] is not None or not (first and exact):
                    raise UserError(
                        "linkage: term frequencies can adjust only one level of a comparison, "
                        f"an exact match as its first level ({column})"
                    )
                field["tf"] = {
                    "column": column,
                    "u": float(level["u_probability"]),
                    "weight": float(level.get("tf_adjustment_weight", 1.0)),
                    "floor": float(level.get("tf_minimum_u_value", 0.0)),
                }
        fields.append(field)
    return fields


def _attach(con: duckdb.DuckDBPyConnection, cache: Path | None, model_key: str) -> bool:
    """The kept pairs as `pair_cache`, emptied if they were scored by another model; False
    (and nothing kept) when there is no cache or it cannot be opened."""
    if cache is None:
        return False
    from dacall.warehouse import plain_file_of_mine, private_dir

    private_dir(cache.parent)
    if not all(not os.path.lexists(name) or plain_file_of_mine(name) for name in _files(cache)):
        log.warning("linkage: kept pairs not a file of this user's; comparing every pair")
        return False
    try:
        con.execute("attach ? as pair_cache", [str(cache)])
    except duckdb.Error as exc:
        if "lock" in str(exc).lower() or "file handle conflict" in str(exc).lower():
            # Another process or connection holds it (two warehouses sharing one state
            # folder): compare every pair, keep none.
            log.warning("linkage: kept pairs in use elsewhere; comparing every pair")
            return False
        log.warning("linkage: kept pairs unreadable (%s); starting again", type(exc).__name__)
        _remove(cache)
        con.execute("attach ? as pair_cache", [str(cache)])
    for name in _files(cache):
        if name.exists():
            name.chmod(0o600)
    con.execute("create table if not exists pair_cache.model (model_key varchar)")
    kept_for = con.execute("select model_key from pair_cache.model").fetchall()
    if kept_for != [(model_key,)]:
        con.execute("drop table if exists pair_cache.pairs")
        con.execute("drop table if exists pair_cache.records")
        con.execute("delete from pair_cache.model")
        con.execute("insert into pair_cache.model values (?)", [model_key])
    return True


def score(con, linker, db_api, low: float, cache: Path | None) -> tuple[str, dict]:
    """Every candidate pair of the linker's records with a match probability of at least `low`,
    as Splink's predict gives them (match_weight, match_probability, record_no_l/_r, each
    field's mw_ and term-frequency mw_tf_adj_, match_key): the name of a table in `con`, and
    how many candidate pairs were compared and how many reused. The pairs of records kept
    unchanged in `cache` are not compared again, and the cache is brought up to date."""
    model = linker.misc.save_model_to_json()
    persistent = _attach(con, cache, _model_key(model))
    if not persistent:
        return _score(con, linker, db_api, low, model, persistent=False)
    try:
        return _score(con, linker, db_api, low, model, persistent=True)
    except duckdb.Error as exc:
        # A file that opened but cannot be read through (damage past its first pages, a disk
        # error): the file is started again, and the caller links tonight's records afresh,
        # comparing every pair (this linker already holds the first attempt's pairs).
        log.warning("linkage: kept pairs unreadable (%s); comparing every pair", type(exc).__name__)
        _remove(cache)
        raise CacheUnreadable from exc


class CacheUnreadable(Exception):
    """The kept pairs could not be read through: link again without them."""


def _score(con, linker, db_api, low: float, model: dict, persistent: bool) -> tuple[str, dict]:
    """score() with the kept pairs attached as `pair_cache` (`persistent`) or none."""
    from splink.internals.misc import prob_to_match_weight

    fields = _fields(model)
    weights = [f"mw_{f['name']}" for f in fields]
    if not persistent:
        con.execute("attach ':memory:' as pair_cache")
    _create_cache_tables(con, weights)
    _describe_records(con, fields)
    to_compare = _select_pairs_to_compare(con, linker)
    compared = _compare(linker, db_api)
    con.execute(
        f"""
        create or replace temp table compared_pairs as
        select l.record_id as record_id_l, r.record_id as record_id_r, c.match_key,
               {", ".join(f"c.{w}" for w in weights)}
        from {compared} as c
        join record_info as l on l.record_no = c.record_no_l
        join record_info as r on r.record_no = c.record_no_r
        """
    )
    prior = model["probability_two_random_records_match"]
    scored = _weigh(con, fields, prob_to_match_weight(prior), prob_to_match_weight(low))
    reused = 0
    if persistent:
        _keep(con)
        # The cache now holds the kept pairs of two unchanged records and tonight's.
        ((kept,),) = con.execute("select count(*) from pair_cache.pairs").fetchall()
        reused = kept - to_compare
    return scored, {"pairs_compared": to_compare, "pairs_reused": reused}


def _select_pairs_to_compare(con, linker) -> int:
    """`pairs_to_compare`: the candidate pairs (Splink's blocking) with a new or changed record
    (`record_info`); how many. The cache holds every candidate pair of the records it holds, and
    whether two records are a candidate pair, and by which rule, depends on those two records
    alone (and the rules, part of the cache's model key): so the pairs of two unchanged records
    are the kept ones, and only the others are looked for."""
    ((new, records),) = con.execute(
        "select count(*) filter (where is_new), count(*) from record_info"
    ).fetchall()
    blocked = _blocked_pairs_with_new_records(linker) if new < records else None
    if blocked is None:  # every record new: all Splink's candidate pairs
        blocked = linker.inference.compute_blocked_pairs_for_predict().physical_name
    con.execute(f"create or replace temp table pairs_to_compare as select * from {blocked}")
    ((to_compare,),) = con.execute("select count(*) from pairs_to_compare").fetchall()
    return to_compare


def _blocked_pairs_with_new_records(linker) -> str | None:
    """The candidate pairs with a new or changed record, as Splink's blocking gives them
    (match_key, join_key_l, join_key_r): Splink's own blocking SQL, with the new records on one
    side and every record on the other, rather than all records on both (at five years of
    history, 0.5 s for every candidate pair). Each such pair comes once: those whose first
    (lower-numbered) record is new, with any second, then those whose first is unchanged and
    second new. None where a rule is of a kind run apart (Splink's exploding rules)."""
    from splink.internals.blocking import ExplodingBlockingRule, block_using_rules_sqls
    from splink.internals.pipeline import CTEPipeline
    from splink.internals.vertically_concatenate import enqueue_df_concat

    settings = linker._settings_obj
    rules = settings._blocking_rules_to_generate_predictions
    if not rules or any(isinstance(rule, ExplodingBlockingRule) for rule in rules):
        return None
    ids = settings.column_info_settings
    pipeline = CTEPipeline()
    enqueue_df_concat(linker, pipeline)
    for name, which in (("new_records", "is_new"), ("unchanged_records", "not is_new")):
        pipeline.enqueue_sql(
            "select * from __splink__df_concat where record_no in "
            f"(select record_no from record_info where {which})",
            name,
        )
    sides = []
    for left, right in (
        ("new_records", "__splink__df_concat"),
        ("unchanged_records", "new_records"),
    ):
        (step,) = block_using_rules_sqls(
            input_tablename_l=left,
            input_tablename_r=right,
            blocking_rules=rules,
            link_type=settings._link_type,
            source_dataset_input_column=ids.source_dataset_input_column,
            unique_id_input_column=ids.unique_id_input_column,
        )
        pipeline.enqueue_sql(step["sql"], f"pairs_from_{left}")
        sides.append(f"select * from pairs_from_{left}")
    pipeline.enqueue_sql(" union all ".join(sides), "blocked_pairs_with_new_records")
    return linker._db_api.sql_pipeline_to_splink_dataframe(pipeline).physical_name


def _create_cache_tables(con, weights: list[str]) -> None:
    """`records`: each record as it was compared (its values' fingerprint), numbered; `pairs`:
    every candidate pair of two such records, the blocking rule that found it and its fields'
    weights."""
    con.execute(
        "create table if not exists pair_cache.records "
        "(record_id bigint, unique_id varchar, fingerprint ubigint)"
    )
    columns = ", ".join(f"{w} double" for w in weights)
    con.execute(
        "create table if not exists pair_cache.pairs "
        f"(record_id_l bigint, record_id_r bigint, match_key varchar, {columns})"
    )


def _describe_records(con, fields: list[dict]) -> None:
    """`record_info`: each record's number in the cache (a new one for a new or changed record,
    whose old pairs are then no one's) and, for the fields weighed by how common a value is,
    its value and that value's frequency among these records (as Splink's term frequency
    tables give it)."""
    tf_columns = sorted({f["tf"]["column"] for f in fields if f["tf"]})
    frequencies = "".join(
        f""",
        tf_{column} as (
            select {column} as value,
                   cast(count(*) as double) / (select count({column}) from prepared_records) as tf
            from prepared_records where {column} is not null group by {column}
        )"""
        for column in tf_columns
    )
    # Every prepared value Splink sees but the record's number in this run (which moves as
    # records are added): a record with the same fingerprint compares as it did.
    compared = [
        name
        for (name, *_rest) in con.execute("describe prepared_records").fetchall()
        if name != "record_no"
    ]
    con.execute(
        f"""
        create or replace temp table record_info as
        with fingerprints as (
            select record_no, unique_id, hash({", ".join(compared)}) as fingerprint
                {"".join(f", {c}" for c in tf_columns)}
            from prepared_records
        ),
        known as (
            select f.*, c.record_id
            from fingerprints as f
            left join pair_cache.records as c using (unique_id, fingerprint)
        ){frequencies}
        select
            known.* exclude (record_id),
            known.record_id is null as is_new,
            coalesce(known.record_id, (select coalesce(max(record_id), 0) from pair_cache.records)
                + row_number() over (partition by known.record_id is null order by record_no))
                as record_id
            {"".join(f", tf_{c}.tf as tf_{c}" for c in tf_columns)}
        from known
        {"".join(f" left join tf_{c} on tf_{c}.value = known.{c}" for c in tf_columns)}
        """
    )


def _compare(linker, db_api) -> str:
    """Splink's comparison of the pairs in `pairs_to_compare`; the table's name."""
    pairs = db_api.register("pairs_to_compare", table_name="pairs_to_compare_input")
    linker.table_management.register_blocked_pairs_for_predict(pairs)
    return linker.inference.predict().physical_name


def _weigh(con, fields: list[dict], prior_weight: float, threshold_weight: float) -> str:
    """Each candidate pair's match weight and probability, as Splink adds them: the prior's
    weight, then each field's weight and, where its values agree and it is weighed by how
    common they are, the adjustment for this run's frequency of the value. The pairs kept for
    records still held as they were, and those compared now; those below `threshold_weight`
    left out."""
    weights = [f"mw_{f['name']}" for f in fields]
    adjustments, terms = [], []
    for field in fields:
        terms.append(f"mw_{field['name']}")
        tf = field["tf"]
        if tf is None:
            continue
        column = tf["column"]
        adjustments.append(
            f"case when l.{column} = r.{column} then {_tf_adjustment(tf, f'l.tf_{column}')} "
            f"else cast(0 as double) end as mw_tf_adj_{field['name']}"
        )
        terms.append(f"mw_tf_adj_{field['name']}")
    weight = f"cast({prior_weight!r} as double) + " + " + ".join(terms)
    within_reach = _within_reach(con, fields, threshold_weight - prior_weight)
    con.execute(
        f"""
        create or replace temp table scored_pairs as
        with pairs as (
            select * from pair_cache.pairs where {within_reach}
            union all
            select * from compared_pairs where {within_reach}
        ),
        adjusted as (
            select l.record_no as record_no_l, r.record_no as record_no_r, p.match_key,
                   {", ".join(f"p.{w}" for w in weights)}{"".join(", " + a for a in adjustments)}
            from pairs as p
            join record_info as l on l.record_id = p.record_id_l
            join record_info as r on r.record_id = p.record_id_r
        )
        select
            {weight} as match_weight,
            case when ({weight}) >= 0 then 1.0 / (1.0 + power(cast(2 as double), -({weight})))
                else power(cast(2 as double), ({weight}))
                    / (1.0 + power(cast(2 as double), ({weight})))
            end as match_probability,
            *
        from adjusted
        where ({weight}) >= {threshold_weight!r}
        """
    )
    return "scored_pairs"


def _tf_adjustment(tf: dict, frequency: str) -> str:
    """The term-frequency adjustment of an agreeing value whose frequency is the SQL
    `frequency`, as Splink makes it (`ComparisonLevel._tf_adjustment_sql`)."""
    return (
        f"(cast({tf['weight']!r} as double) * (cast({math.log2(tf['u'])!r} as double)"
        f" - log2(greatest({frequency}, {tf['floor']!r}))))"
    )


def _within_reach(con, fields: list[dict], needed: float) -> str:
    """A condition on a pair's field weights alone that every pair whose weight can reach the
    threshold tonight meets (`needed`: the threshold's weight less the prior's): the field
    weights' sum plus the largest adjustment tonight's term frequencies give any value. Most
    kept pairs fall far short, and are left out before their records are looked up (at five
    years of history, 4.2 million kept pairs, of which 0.2 million are above the review
    floor). The exact weight is still the test; this only spares the lookups."""
    largest = []
    for field in fields:
        tf = field["tf"]
        if tf is None:
            continue
        # Zero for a pair whose values differ; the largest over tonight's values otherwise.
        largest.append(f"greatest(0, coalesce(max({_tf_adjustment(tf, 'tf_' + tf['column'])}), 0))")
    ((reach,),) = con.execute(f"select {' + '.join(largest) or '0'} from record_info").fetchall()
    # A margin far above double rounding: the sums are added in another order than the weight.
    bound = needed - float(reach) - 1e-6
    total = " + ".join(f"mw_{f['name']}" for f in fields)
    return f"({total}) >= cast({bound!r} as double)"


def _keep(con) -> None:
    """The cache holds this run's records as compared and every candidate pair of them. Only
    what changed is written: the records gone or changed (a changed record has a new number)
    and their pairs leave, the new records and tonight's pairs come in; rewriting every record
    and matching every kept pair against them took a fifth of a second at five years."""
    con.execute("begin transaction")
    con.execute(
        """
        create or replace temp table records_gone as
        select record_id from pair_cache.records
        anti join record_info using (record_id)
        """
    )
    con.execute(
        "delete from pair_cache.records where record_id in (select record_id from records_gone)"
    )
    ((gone,),) = con.execute("select count(*) from records_gone").fetchall()
    if gone:
        con.execute(
            """
            delete from pair_cache.pairs
            where record_id_l in (select record_id from records_gone)
               or record_id_r in (select record_id from records_gone)
            """
        )
    con.execute(
        "insert into pair_cache.records "
        "select record_id, unique_id, fingerprint from record_info where is_new"
    )
    con.execute("insert into pair_cache.pairs select * from compared_pairs")
    con.execute("commit")
