"""Probabilistic person linkage with Splink on DuckDB: who is who across the C&C's callers and
the partners' records.

Partners hold no police identifiers, and every system writes people its own way: nicknames,
married names, typos, day and month swapped, fields missing. Splink (the UK Ministry of
Justice's Fellegi-Sunter implementation) weighs the evidence of each field. How often each
field agrees among true matches and by chance (its m and u probabilities) is estimated once by
`dacall linkage-estimate`, reviewed and kept in config/linkage_parameters.yml, so a pair scores
the same every night and a run does not pay for the estimation (docs/linkage.md). Decisions a
data team owns (threshold, blocking, nicknames, where the parameters come from) are in
config/linkage.yml and config/nicknames.csv.

Runs on its own in-memory DuckDB, so Splink's working tables never land in the warehouse.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa

from dacall import linkage_pairs
from dacall.settings import UserError, config_dir, load_yaml
from dacall.warehouse import owner_only

OUTPUT_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("source_record_id", pa.string()),
        ("person_key", pa.string()),
        ("match_probability", pa.float64()),
    ]
)


@lru_cache(maxsize=1)
def nicknames() -> dict[str, str]:
    """Nickname -> name; a nickname of several names maps to the first listed."""
    path = config_dir() / "nicknames.csv"
    try:
        with path.open(encoding="utf-8") as handle:
            table: dict[str, str] = {}
            for row in csv.DictReader(handle):
                table.setdefault(row["nickname"].strip().upper(), row["name"].strip().upper())
            return table
    except (FileNotFoundError, KeyError) as exc:
        raise UserError(f"{path}: needs columns nickname,name ({exc})") from exc


def person_key(cluster_members: list[str]) -> str:
    """Stable for a cluster: derived from its earliest-sorting member record."""
    first = min(cluster_members)
    digest = hashlib.sha256((PERSON_KEY_SQL["salt"] + first).encode()).hexdigest()
    return PERSON_KEY_SQL["person"] + digest[: PERSON_KEY_SQL["digits"]]


# person_key's parts, for the SQL that makes the same keys in DuckDB (sha256 as lower-case hex).
PERSON_KEY_SQL = {"person": "P", "salt": "dacall-person|", "digits": 16}


# Splink joins every candidate pair to both its records by the records' id: a number, numbered
# in the order of `source|source_record_id`, joins faster than that text (predict took 3.1 s
# against 3.6-3.9 s at five years of history), and keeps each pair's left and right as they were.
PREPARE_SQL = """
select
    row_number() over (order by source || '|' || source_record_id) as record_no,
    source || '|' || source_record_id as unique_id,
    source,
    source_record_id,
    nullif(forename_key, '') as forename,
    coalesce(nick.name, nullif(forename_key, '')) as forename_canonical,
    left(nullif(forename_key, ''), 1) as forename_initial,
    nullif(surname_key, '') as surname,
    strftime(dob, '%Y-%m-%d') as dob,
    case when day(dob) <= 12 and day(dob) <> month(dob)
        then strftime(make_date(year(dob), day(dob), month(dob)), '%Y-%m-%d') end as dob_swapped,
    postcode,
    split_part(postcode, ' ', 1) as postcode_district,
    phone_e164 as phone
from records
left join nicknames as nick on nick.nickname = records.forename_key
"""


PARAMETERS_FILE = "linkage_parameters.yml"


def _settings(config: dict, parameters: dict | None = None):
    """Splink's settings and the deterministic rules of its prior. With `parameters` (as
    linkage_parameters.yml holds them) each comparison's m and u probabilities are set, level
    by level; without, they are left for the training to estimate."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def rule(item):
        return block_on(*item) if isinstance(item, list) else item

    def compare(column: str, *between, frequent: bool = False):
        """Missing, then the same value (weighed by how common it is where `frequent`), then
        the levels `between` from closest, then anything else."""
        return cl.CustomComparison(
            output_column_name=column,
            comparison_levels=[
                cll.NullLevel(column),
                cll.ExactMatchLevel(column, term_frequency_adjustments=frequent),
                *between,
                cll.ElseLevel(),
            ],
        )

    forename = compare(
        "forename",
        cll.CustomLevel("forename_canonical_l = forename_canonical_r", label_for_charts="nickname"),
        cll.JaroWinklerLevel("forename", 0.88),
        cll.CustomLevel("forename_initial_l = forename_initial_r", label_for_charts="initial"),
        frequent=True,
    )
    surname = compare(
        "surname",
        cll.JaroWinklerLevel("surname", 0.92),
        cll.JaroWinklerLevel("surname", 0.8),
        frequent=True,
    )
    dob = compare(
        "dob",
        cll.CustomLevel("dob_l = dob_swapped_r", label_for_charts="day and month swapped"),
        cll.DamerauLevenshteinLevel("dob", 1),
    )
    postcode = compare(
        "postcode",
        cll.CustomLevel("postcode_district_l = postcode_district_r", label_for_charts="district"),
    )
    phone = compare("phone")
    comparisons = [forename, surname, dob, postcode, phone]
    prior = {}
    if parameters is not None:
        for comparison in comparisons:
            _configure(comparison, parameters)
        prior = {"probability_two_random_records_match": parameters["prior"]}
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_no",
        comparisons=comparisons,
        **prior,
        blocking_rules_to_generate_predictions=[rule(r) for r in config["blocking_rules"]],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
    ), [rule(r) for r in config["deterministic_rules"]]


def _open(records: pa.Table, config: dict) -> tuple[duckdb.DuckDBPyConnection, pa.Table]:
    """The linkage's own DuckDB, with the records prepared for Splink (`prepared_records`)."""
    con = duckdb.connect(
        config={"memory_limit": str(config["memory_limit"]), "temp_directory": str(_spill_dir())}
    )
    con.register("records", records)
    nick = pa.table({"nickname": list(nicknames()), "name": list(nicknames().values())})
    con.register("nicknames", nick)
    prepared = con.sql(PREPARE_SQL).to_arrow_table()
    con.register("prepared_records", prepared)
    return con, prepared


def _register(con, prepared: pa.Table):
    """The prepared records as Splink's input table (registered once per connection)."""
    from splink import DuckDBAPI

    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return DuckDBAPI(connection=con).register(prepared, table_name="person_records")


def _linker(table, config: dict, parameters: dict | None):
    from splink import Linker

    settings, deterministic = _settings(config, parameters)
    return Linker(table, settings, log_level=None), deterministic


def _estimate_prior(linker, deterministic: list, config: dict) -> float:
    """The chance that two random records are one person, from the pairs the deterministic
    rules join and their assumed recall; set on the linker and returned."""
    linker.training.estimate_probability_two_random_records_match(
        deterministic, recall=float(config["deterministic_recall"])
    )
    return float(linker.misc.save_model_to_json()["probability_two_random_records_match"])


def _with_prior_of_these_records(linker, deterministic, table, config, parameters):
    """The fixed parameters' linker with the prior of these records. Unlike m and u, the prior
    depends on how many records there are (two random records are less likely one person
    among more), so it is estimated on every run, in a fraction of a second. Where these
    records give none (no pair meets a deterministic rule, or more than its recall allows)
    the file's prior stands."""
    try:
        prior = _estimate_prior(linker, deterministic, config)
    except ValueError:
        prior = 0.0
    if 0.0 < prior < 1.0:
        return linker
    return _linker(table, config, parameters)[0]


def _train(linker, deterministic: list, config: dict) -> None:
    """Every parameter estimated from these records: the prior, u by random sampling, m by
    expectation maximisation within the training blocks."""
    from splink import block_on

    _estimate_prior(linker, deterministic, config)
    linker.training.estimate_u_using_random_sampling(max_pairs=int(config["u_sampling_max_pairs"]))
    for columns in config["training_blocking_rules"]:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*columns))


def fixed_parameters(config: dict) -> dict | None:
    """config/linkage_parameters.yml when linkage.yml says the parameters are fixed; None when
    they are estimated on every run."""
    if config["parameters"] == "estimated":
        return None
    from dacall.config_schema import validate_file

    return validate_file(PARAMETERS_FILE)


def _configure(comparison, parameters: dict) -> None:
    """One comparison's m and u probabilities from the parameters file, level by level. The
    file must name the comparison's levels in order: parameters estimated for other levels
    would weigh the wrong evidence."""
    built = comparison.get_comparison("duckdb")
    levels = [
        level.label_for_charts for level in built.comparison_levels if not level.is_null_level
    ]
    kept = parameters["comparisons"].get(built.output_column_name) or []
    if [level["level"] for level in kept] != levels:
        raise UserError(
            f"{config_dir() / PARAMETERS_FILE}: the levels of {built.output_column_name} are "
            f"not the model's ({'; '.join(levels)}): estimate them again "
            "(dacall linkage-estimate)"
        )
    comparison.configure(
        m_probabilities=[level["m"] for level in kept],
        u_probabilities=[level["u"] for level in kept],
    )


def estimate_parameters(records: pa.Table, config: dict | None = None) -> dict:
    """Every comparison level's m and u probabilities and the prior, estimated from `records`
    (int_person_records) as config/linkage.yml's training settings say: what
    config/linkage_parameters.yml holds."""
    config = config or load_yaml("linkage.yml")
    con, prepared = _open(records, config)
    try:
        linker, deterministic = _linker(_register(con, prepared), config, parameters=None)
        _train(linker, deterministic, config)
        model = linker.misc.save_model_to_json()
    finally:
        con.close()
    return {
        "prior": model["probability_two_random_records_match"],
        "comparisons": {
            comparison["output_column_name"]: [
                {
                    "level": level["label_for_charts"],
                    "m": level.get("m_probability"),
                    "u": level.get("u_probability"),
                }
                for level in comparison["comparison_levels"]
                if not level.get("is_null_level")
            ]
            for comparison in model["comparisons"]
        },
    }


def link_records(
    records: pa.Table,
    config: dict | None = None,
    decisions: pa.Table | None = None,
    kept_pairs: Path | str | None = None,
) -> tuple[pa.Table, dict]:
    """Cluster person records; returns the bridge rows and a summary (counts only).

    decisions (unique_id_l, unique_id_r, decision, decided_at; ids as source|id) are people's
    verdicts on pairs: the latest for a pair wins, "same" links the pair with probability 1 and
    "different" removes its direct link, whatever the model scored.

    kept_pairs: a DuckDB file of the pairs scored by earlier runs (dacall.linkage_pairs); only
    the pairs of new or changed records are compared, with the same result.
    """
    from splink.internals.exceptions import EMTrainingException

    config = config or load_yaml("linkage.yml")
    parameters = fixed_parameters(config)
    threshold = float(config["match_threshold"])
    con, prepared = _open(records, config)
    if prepared.num_rows < 2:
        keys = prepared.column("unique_id").to_pylist()
        rows = {
            "source": prepared.column("source").to_pylist(),
            "source_record_id": prepared.column("source_record_id").to_pylist(),
            "person_key": [person_key([k]) for k in keys],
            "match_probability": [1.0] * len(keys),
        }
        return pa.table(rows, schema=OUTPUT_SCHEMA), {"records": len(keys), "pairs": 0}
    table = _register(con, prepared)
    linker, deterministic = _linker(table, config, parameters)
    low = min(float(config["review_band"][0]), threshold)
    try:
        if parameters is None:
            _train(linker, deterministic, config)
        else:
            linker = _with_prior_of_these_records(linker, deterministic, table, config, parameters)
    except (EMTrainingException, ValueError):
        # Too few records to estimate the parameters from (with `parameters: estimated`: a
        # small landing, or what is left after retention): nobody is linked on a guess, only
        # on people's decisions.
        con.close()
        return _without_model(prepared, decisions), {"records": prepared.num_rows, "pairs": 0}
    with owner_only():  # the kept pairs' file and its write-ahead log
        # Estimated m and u change every run, and with them every kept weight: none are kept.
        keep = Path(kept_pairs) if kept_pairs and parameters is not None else None
        try:
            predictions, counts = linkage_pairs.score(con, linker, table.db_api, low, keep)
        except linkage_pairs.CacheUnreadable:
            con.close()
            return link_records(records, config, decisions, kept_pairs=None)
    _apply_decisions(con, predictions, decisions)
    con.execute(f"create table pairs as select * from {predictions}")
    _cluster(con, prepared.num_rows, threshold)
    # The bridge is made in DuckDB, its person keys (`person_key`, in SQL) included, and handed
    # over as Arrow: a Python list of every record, each key hashed in Python, cost a few tenths
    # of a second at five years of history.
    bridge = con.sql(
        """
        with members as (
            select clusters.cluster_id, records.unique_id
            from clusters join prepared_records as records using (record_no)
        ),
        best as (
            select records.unique_id, max(linked.match_probability) as match_probability
            from (
                select record_no_l as record_no, match_probability from pairs
                where match_probability >= $threshold
                union all
                select record_no_r, match_probability from pairs
                where match_probability >= $threshold
            ) as linked
            join prepared_records as records using (record_no)
            group by records.unique_id
        ),
        first_member as (
            select cluster_id, min(unique_id) as first_id from members group by cluster_id
        )
        select
            split_part(m.unique_id, '|', 1) as source,
            substr(m.unique_id, strpos(m.unique_id, '|') + 1) as source_record_id,
            $person || left(sha256($salt || f.first_id), $digits) as person_key,
            -- Floored, never rounded up: a published probability is never above the model's,
            -- so a threshold on it (an extract's, an analyst's) holds as on the model's own.
            (floor(coalesce(b.match_probability, 1.0)::decimal(18, 12) * $scale) / $scale)::double
                as match_probability
        from members m
        join first_member f using (cluster_id)
        left join best b using (unique_id)
        """,
        params={
            "threshold": threshold,
            "scale": 10 ** int(config["probability_decimals"]),
            **PERSON_KEY_SQL,
        },
    ).to_arrow_table()
    summary = {
        "records": prepared.num_rows,
        "pairs_scored_above_review_floor": con.execute("select count(*) from pairs").fetchone()[0],
        "people": con.execute("select count(distinct cluster_id) from clusters").fetchone()[0],
        **counts,
    }
    # For a reviewer: the pairs nearest the threshold, one per distinct pattern of evidence.
    review = (
        con.sql(
            """
            with weighed as (
                select l.unique_id as unique_id_l, r.unique_id as unique_id_r, match_probability,
                       mw_forename + coalesce(mw_tf_adj_forename, 0) as forename,
                       mw_surname + coalesce(mw_tf_adj_surname, 0) as surname,
                       mw_dob as dob, mw_postcode as postcode, mw_phone as phone
                from pairs
                join prepared_records as l on l.record_no = pairs.record_no_l
                join prepared_records as r on r.record_no = pairs.record_no_r
                where match_probability between $low and $high
            )
            select * from weighed
            qualify row_number() over (
                partition by round(forename), round(surname), round(dob), round(postcode),
                             round(phone)
                order by abs(match_probability - $threshold), unique_id_l, unique_id_r) = 1
            order by abs(match_probability - $threshold), unique_id_l, unique_id_r
            limit 25
            """,
            params={
                "low": float(config["review_band"][0]),
                "high": float(config["review_band"][1]),
                "threshold": threshold,
            },
        ).fetchall()
        if _has_field_weights(con)
        else []
    )
    summary["review_pairs"] = review
    con.close()
    return bridge.cast(OUTPUT_SCHEMA), summary


def _cluster(con, records: int, threshold: float) -> None:
    """`clusters` (record_no, cluster_id): the records joined by the pairs at or above the
    threshold, as Splink's cluster_pairwise_predictions_at_threshold joins them (the same
    groups; tests/test_linkage.py compares the two). Its connected components are found by
    scipy's in one pass over the pairs, where Splink's joins the pairs again until nothing
    changes: 0.4 s at five years of history."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    edges = con.execute(
        "select record_no_l, record_no_r from pairs where match_probability >= $threshold",
        {"threshold": threshold},
    ).fetchnumpy()
    nodes = records + 1  # record_no counts from 1
    graph = coo_matrix(
        (
            np.ones(len(edges["record_no_l"]), dtype=np.int8),
            (edges["record_no_l"], edges["record_no_r"]),
        ),
        shape=(nodes, nodes),
    )
    _count, labels = connected_components(graph, directed=False)
    con.register(
        "cluster_labels",
        pa.table({"record_no": np.arange(1, nodes, dtype=np.int64), "cluster_id": labels[1:]}),
    )
    con.execute("create table clusters as select * from cluster_labels")
    con.unregister("cluster_labels")


def _without_model(prepared: pa.Table, decisions: pa.Table | None) -> pa.Table:
    """Each record its own person, except pairs a person decided are the same."""
    ids = prepared.column("unique_id").to_pylist()
    parent = {i: i for i in ids}

    def root(item: str) -> str:
        while parent[item] != item:
            item = parent[item]
        return item

    if _has_decisions(decisions):
        latest: dict[tuple[str, str], tuple] = {}
        for left, right, decision, at in zip(
            *(
                decisions.column(c).to_pylist()
                for c in ("unique_id_l", "unique_id_r", "decision", "decided_at")
            ),
            strict=True,
        ):
            if (left, right) not in latest or at > latest[(left, right)][1]:
                latest[(left, right)] = (decision, at)
        for (left, right), (decision, _at) in sorted(latest.items()):
            if decision == "same" and left in parent and right in parent:
                parent[root(left)] = root(right)
    members: dict[str, list[str]] = {}
    for item in ids:
        members.setdefault(root(item), []).append(item)
    key = {item: person_key(group) for group in members.values() for item in group}
    return pa.table(
        {
            "source": prepared.column("source").to_pylist(),
            "source_record_id": prepared.column("source_record_id").to_pylist(),
            "person_key": [key[i] for i in ids],
            "match_probability": [1.0] * len(ids),
        },
        schema=OUTPUT_SCHEMA,
    )


def _has_decisions(decisions: pa.Table | None) -> bool:
    return decisions is not None and decisions.num_rows > 0


def _apply_decisions(con, predictions: str, decisions: pa.Table | None) -> None:
    """People's verdicts override the model for their pairs (records no longer held are
    ignored: an erased or withdrawn record cannot be linked back)."""
    if not _has_decisions(decisions):
        return
    con.register("decisions_in", decisions)
    con.execute(
        """
        create or replace temp table decisions as
        select l.record_no as record_no_l, r.record_no as record_no_r, decision
        from decisions_in
        join prepared_records as l on l.unique_id = decisions_in.unique_id_l
        join prepared_records as r on r.unique_id = decisions_in.unique_id_r
        qualify row_number() over (
            partition by decisions_in.unique_id_l, decisions_in.unique_id_r
            order by decided_at desc) = 1
        """
    )
    con.execute(
        f"""
        delete from {predictions} as p using decisions as d
        where least(p.record_no_l, p.record_no_r) = d.record_no_l
          and greatest(p.record_no_l, p.record_no_r) = d.record_no_r
        """
    )
    con.execute(
        f"""
        insert into {predictions} (match_weight, match_probability, record_no_l, record_no_r)
        select 99.0, 1.0, record_no_l, record_no_r from decisions where decision = 'same'
        """
    )


def _spill_dir():
    """Where DuckDB may spill the linkage's working tables: they hold names and dates of birth,
    so in the warehouse's state folder, owner-only, never the working directory."""
    from dacall import paths
    from dacall.warehouse import private_dir

    return private_dir(paths.state() / "linkage_spill")


def _has_field_weights(con) -> bool:
    columns = {c[0] for c in con.execute("describe pairs").fetchall()}
    return {"mw_forename", "mw_dob", "mw_phone"} <= columns
