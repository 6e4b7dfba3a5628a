"""The dbt project on real DuckDB: the samples' expectations exactly, the answer key on
generated data, and history that never looks forward."""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter

import pytest
import yaml

from conftest import STATUSES, query
from dacall.settings import PROJECT_ROOT, UserError, dbt_dir
from dacall.warehouse import connect


def expected_rows(samples) -> list[tuple[str, int, str, str, str, str]]:
    """The claims table of samples/EXPECTED.md, parsed."""
    rows = []
    for line in (samples / "EXPECTED.md").read_text().splitlines():
        match = re.match(r"\| (HC-\d{6}-\d{4}) \| (\d+) \| (\w+):(\w+):(\w+) \| (\w+) \|", line)
        if match:
            urn, seq, system, subject, result, status = match.groups()
            rows.append((urn, int(seq), system, subject, result, status))
    return rows


def test_the_samples_expectations_hold_exactly(samples, sample_warehouse):
    expected = expected_rows(samples)
    assert len(expected) == 11
    got = query(
        sample_warehouse,
        "select incident_urn, log_seq, system, subject_type, "
        "claimed_result, status from marts.fct_check_reconciliation",
    )
    assert sorted(got) == sorted(expected)
    # Evidence named in EXPECTED.md.
    evidence = dict(
        ((u, s, sy, su), (ref, at, reason))
        for u, s, sy, su, ref, at, reason in query(
            sample_warehouse,
            "select incident_urn, log_seq, system, subject_type, audit_ref, "
            "strftime(audit_at, '%H:%M:%S'), reason from marts.fct_check_reconciliation",
        )
    )
    assert evidence[("HC-250214-0415", 2, "PNC", "PERSON")][:2] == ("PNC:PNC000981234", "22:40:05")
    assert evidence[("HC-250214-0415", 2, "PND", "PERSON")][1] == "22:40:41"
    assert evidence[("HC-250214-0415", 2, "RMS", "ADDRESS")][0] == "RMS:5512001"
    assert evidence[("HC-250214-0415", 3, "CAD", "TELEPHONE")][1] == "22:42:48"
    assert evidence[("HC-250709-0088", 2, "RMS", "PERSON")][1] == "13:10:15"  # 14:10:15 BST
    outside = evidence[("HC-250214-0412", 4, "CAD", "ADDRESS")]
    assert outside[1] == "23:55:10" and "S10234" in outside[2] and "73 minutes after" in outside[2]
    # "PND NOT CHECKED - NO ACCESS" is not a claim.
    assert query(
        sample_warehouse,
        "select count(*) from marts.fct_check_reconciliation where "
        "incident_urn = 'HC-250709-0088' and system = 'PND'",
    ) == [(0,)]


@pytest.mark.parametrize("which", ["generated", "force_year"])
def test_statuses_agree_with_the_generators_answer_key(which, request):
    if which == "generated":
        generated, generated_warehouse = (
            request.getfixturevalue("generated"),
            request.getfixturevalue("generated_warehouse"),
        )
    else:
        generated, generated_warehouse = request.getfixturevalue("force_year")
    truth = {
        (r["incident_urn"], int(r["log_seq"]), r["system"], r["subject_type"]): r["expected_status"]
        for r in csv.DictReader((generated / "truth" / "claims.csv").open())
    }
    got = {
        (u, s, sy, su): st
        for u, s, sy, su, st in query(
            generated_warehouse,
            "select incident_urn, log_seq, system, subject_type, status "
            "from marts.fct_check_reconciliation",
        )
    }
    assert set(got) == set(truth), "the claims read differ from the claims written"
    matrix = Counter((truth[key], got[key]) for key in truth)
    agreement = sum(n for (t, g), n in matrix.items() if t == g) / len(truth)
    print(f"\n{len(truth)} claims, agreement {agreement:.4%}")
    print("truth \\ pipeline  " + " ".join(f"{s[:10]:>10}" for s in STATUSES))
    for t in STATUSES:
        print(f"{t[:16]:<17} " + " ".join(f"{matrix[(t, g)]:>10}" for g in STATUSES))
    assert agreement >= 0.995
    assert all(matrix[(s, s)] > 0 for s in STATUSES)


def test_missed_history_follows_the_answer_key(generated, generated_warehouse):
    truth = {
        r["incident_urn"]: r for r in csv.DictReader((generated / "truth" / "incidents.csv").open())
    }
    got = dict(
        query(
            generated_warehouse, "select incident_urn, missed_history from marts.fct_prior_history"
        )
    )
    assert set(got) == set(truth)
    both = sum(1 for u in truth if truth[u]["missed_history"] == "Y" and got[u])
    flagged = sum(1 for u in got if got[u])
    actual = sum(1 for u in truth if truth[u]["missed_history"] == "Y")
    print(f"\nmissed history: {actual} true, {flagged} flagged, {both} both")
    # Partner history rests on the probabilistic linkage, so a few links are missed or wrong.
    assert both / actual >= 0.9 and both / flagged >= 0.9


def test_no_history_comes_from_the_future(generated_warehouse):
    rows = query(
        generated_warehouse,
        """
        with pairs as (
            select i.incident_urn, count(d.incident_urn) as earlier
            from marts.fct_incidents i
            left join marts.fct_incidents d
              on d.person_key = i.person_key and d.is_domestic and d.created_at < i.created_at
            group by i.incident_urn
        )
        select count(*) from marts.fct_prior_history h join pairs using (incident_urn)
        where h.prior_incidents_person <> pairs.earlier
    """,
    )
    assert rows == [(0,)]
    first = query(
        generated_warehouse,
        """
        select count(*) from marts.fct_prior_history h
        join marts.fct_incidents i using (incident_urn)
        where i.created_at = (select min(created_at) from marts.fct_incidents)
          and h.history_visible
    """,
    )
    assert first == [(0,)]


def test_rerunning_the_pipeline_changes_nothing(samples, sample_warehouse):
    from dacall.pipeline import run_pipeline

    before = query(sample_warehouse, "select * from marts.fct_check_reconciliation order by all")
    ledger = query(sample_warehouse, "select count(*) from audit.files_loaded")
    result = run_pipeline(samples, sample_warehouse)
    assert all(t["files_loaded"] == 0 for t in result["ingest"]["feeds"].values())
    assert (
        query(sample_warehouse, "select * from marts.fct_check_reconciliation order by all")
        == before
    )
    assert query(sample_warehouse, "select count(*) from audit.files_loaded") == ledger


def test_dbt_docs_generate_and_unit_tests_run(sample_warehouse, tmp_path):
    from dacall.transform import run_dbt

    result = run_dbt(["docs", "generate"], sample_warehouse, target_path=tmp_path / "target")
    assert result.success
    assert (tmp_path / "target" / "catalog.json").exists()
    assert (tmp_path / "target" / "index.html").exists()
    # A run's builds leave the unit tests out (they do not depend on the night's data): this is
    # where every one of them runs, and each must pass.
    defined = sum(
        len(yaml.safe_load(f.read_text())["unit_tests"])
        for f in (PROJECT_ROOT / "dbt" / "models").rglob("_unit_tests.yml")
    )
    tests = run_dbt(
        ["test", "--select", "test_type:unit"], sample_warehouse, target_path=tmp_path / "unit"
    )
    assert tests.success and defined >= 19
    assert [n["type"] for n in tests.nodes] == ["unit_test"] * defined
    assert tests.statuses == {"pass": defined}


def test_dbt_docs_are_generated_again_only_when_what_they_show_changed(
    sample_warehouse, tmp_path, monkeypatch
):
    from dacall import dbt_docs
    from dacall.transform import dbt_target

    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")  # dbt says how it parsed at debug

    folder = shutil.copytree(sample_warehouse.parent, tmp_path / "copy")
    warehouse = folder / sample_warehouse.name
    site = dbt_target(warehouse) / dbt_docs.SITE
    log = dbt_target(warehouse) / "logs" / "dbt.log"
    # The run that made the warehouse made the site; nothing it shows has changed since.
    assert dbt_docs.publish(warehouse) == "up to date"
    assert "docs_sentinel_column" not in site.read_text()
    with connect(warehouse) as con:
        con.execute("alter table marts.fct_incidents add column docs_sentinel_column integer")
    seen = log.stat().st_size
    assert dbt_docs.publish(warehouse) == "built"
    assert "docs_sentinel_column" in site.read_text()
    # dbt opened the warehouse under the same profile as the run's builds (which used a copy in
    # another folder), so it reused their parse instead of parsing the project again.
    generate_log = log.read_text(errors="replace")[seen:]
    assert "Partial parsing enabled" in generate_log
    assert "Unable to do partial parsing" not in generate_log
    assert dbt_docs.publish(warehouse) == "up to date"


def test_a_new_warehouse_starts_from_the_parse_another_kept(
    sample_warehouse, tmp_path, monkeypatch
):
    from dacall import dbt_parse_cache
    from dacall.transform import run_dbt

    # A copy of the project, so that a model can change after its parse was kept.
    project = shutil.copytree(
        dbt_dir(), tmp_path / "dbt", ignore=shutil.ignore_patterns("target", "logs")
    )
    monkeypatch.setenv("DACALL_DBT_DIR", str(project))
    monkeypatch.setenv("DACALL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")  # dbt says how it parsed at debug
    command = ["compile", "--select", "int_claims"]

    def compiled_in(target: str) -> tuple[str, str]:
        """dbt's log of compiling in a new target folder (as a new warehouse's first build),
        and the SQL it compiled."""
        assert run_dbt(command, sample_warehouse, target_path=tmp_path / target).success
        compiled = next((tmp_path / target / "compiled").rglob("int_claims.sql")).read_text()
        return (tmp_path / target / "logs" / "dbt.log").read_text(errors="replace"), compiled

    # Nothing kept yet: the whole project is parsed, and that parse is kept, owner-only.
    assert "Unable to do partial parsing" in compiled_in("first")[0]
    kept = list((tmp_path / "cache").rglob(dbt_parse_cache.PARSE_FILE))
    assert len(kept) == 1
    assert kept[0].read_bytes() == (tmp_path / "first" / dbt_parse_cache.PARSE_FILE).read_bytes()
    assert oct(kept[0].stat().st_mode & 0o777) == "0o600"
    # Another new target folder starts from it, and dbt takes it after checking it: a model
    # changed since is read again.
    model = project / "models" / "intermediate" / "int_claims.sql"
    model.write_text(model.read_text() + "\n-- changed after the parse was kept\n")
    log, compiled = compiled_in("second")
    assert "Partial parsing enabled" in log
    assert "Unable to do partial parsing" not in log
    assert "changed after the parse was kept" in compiled
    # A kept parse dbt cannot read costs a whole parse, not the build, and is replaced.
    kept = list((tmp_path / "cache").rglob(dbt_parse_cache.PARSE_FILE))
    kept[0].write_bytes(b"not a parse")
    log, _ = compiled_in("third")
    assert "Failed to load parsed file from disk" in log
    assert kept[0].read_bytes() == (tmp_path / "third" / dbt_parse_cache.PARSE_FILE).read_bytes()
    # A cache anyone else may write is not used: dbt would run the code in it.
    kept[0].parent.chmod(0o777)
    assert "Unable to do partial parsing" in compiled_in("fourth")[0]
    # Turned off, or where it cannot be written, builds go on as before.
    (tmp_path / "a-file").write_text("")
    for cache in ("off", str(tmp_path / "a-file")):
        monkeypatch.setenv("DACALL_CACHE_DIR", cache)
        assert "Unable to do partial parsing" in compiled_in(f"without-{cache[-4:]}")[0]


def _declared_not_null() -> set[tuple[str, str, str]]:
    """(schema, model, column) of every column the project declares not null by a constraint."""
    declared = set()
    for schema in ("marts", "exports"):
        for spec in (PROJECT_ROOT / "dbt" / "models" / schema).glob("_*.yml"):
            for model in yaml.safe_load(spec.read_text()).get("models", []):
                for column in model.get("columns", []):
                    kinds = {c["type"] for c in column.get("constraints", [])}
                    if "not_null" in kinds:
                        declared.add((schema, model["name"], column["name"]))
    return declared


def test_the_marts_not_null_constraints_are_the_warehouses(sample_warehouse):
    """A mart's or export's column declared not null is NOT NULL in the table dbt built: the
    database refuses a null there as the build writes it, with no separate test to run."""
    declared = _declared_not_null()
    assert len(declared) >= 80
    nullable = set(
        query(
            sample_warehouse,
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema in ('marts', 'exports') and is_nullable = 'YES'",
        )
    )
    assert declared & nullable == set()


def test_a_null_where_a_mart_declares_none_fails_its_build(sample_warehouse, tmp_path):
    from dacall.transform import run_dbt

    folder = shutil.copytree(sample_warehouse.parent, tmp_path / "copy")
    warehouse = folder / sample_warehouse.name
    with connect(warehouse) as con:
        con.execute(
            "update staging.stg_cc_incidents set created_at = null where incident_urn = "
            "(select min(incident_urn) from staging.stg_cc_incidents)"
        )
        before = con.execute("select count(*) from marts.fct_incidents").fetchone()
    result = run_dbt(
        ["run", "--select", "int_incidents_enriched", "fct_incidents"],
        warehouse,
        target_path=tmp_path / "target",
    )
    assert not result.success
    (failure,) = result.failures
    assert failure.startswith("model fct_incidents: error") and "NOT NULL" in failure
    assert "created_at" in failure
    assert query(warehouse, "select count(*) from marts.fct_incidents") == [before]


def test_every_model_with_column_tests_runs_them_as_its_column_rules():
    """The pipeline's builds leave the not_null and accepted_values tests out, for each model's
    column_rules test to run them: a model with such a test and no column_rules would have it
    never run in a build."""
    from dacall.transform import column_rule_tests

    def kinds_of(tests: list) -> set[str]:
        """The kinds of test of a `data_tests` list: a name alone, or a name with arguments."""
        return {test if isinstance(test, str) else next(iter(test)) for test in tests}

    kinds = set(column_rule_tests())
    with_rules, without = [], []
    for spec in sorted((PROJECT_ROOT / "dbt").glob("*/**/_*.yml")):
        document = yaml.safe_load(spec.read_text()) or {}
        for model in document.get("models", []) + document.get("seeds", []):
            column_tests = set().union(
                *(kinds_of(column.get("data_tests", [])) for column in model.get("columns", []))
            )
            if column_tests & kinds:
                declared = kinds_of(model.get("data_tests", []))
                (with_rules if "column_rules" in declared else without).append(model["name"])
    assert without == []
    assert len(with_rules) == 39


def test_a_models_column_tests_run_as_one_and_name_the_rules_broken(sample_warehouse, tmp_path):
    """The pipeline's builds run a model's not_null and accepted_values tests as its one
    column_rules test (dbt's own work on each test node is most of a test's time). Seeded
    defects: the build fails, its line names each rule broken and how many rows break it (a
    hostile value is never shown), and the column tests run alone fail exactly where it says."""
    from dacall.pipeline import transform_step
    from dacall.transform import column_rule_tests, run_dbt

    assert column_rule_tests() == ["not_null", "accepted_values"]
    warehouse = shutil.copytree(sample_warehouse.parent, tmp_path / "copy") / sample_warehouse.name
    hostile = '=HYPERLINK("x")<b>'
    with connect(warehouse) as con:
        first, second = (
            row[0]
            for row in con.execute(
                "select incident_urn from staging.stg_cc_incidents order by 1 limit 2"
            ).fetchall()
        )
        con.execute(
            "update staging.stg_cc_incidents set channel = ? where incident_urn in (?, ?)",
            [hostile, first, second],
        )
        con.execute(
            "update staging.stg_cc_incidents set init_grade = 9 where incident_urn = ?", [first]
        )
        con.execute(
            "update staging.stg_cc_incidents set created_at = null where incident_urn = ?", [second]
        )

    with pytest.raises(UserError) as raised:
        transform_step(warehouse, phase="staging")

    failure = str(raised.value)
    assert (
        "1 node(s) failed; first: test column_rules_stg_cc_incidents_: fail Got 3 results"
        in failure
    )
    assert failure.endswith(
        ": channel accepted_values (2 rows); created_at not_null (1 row); "
        "init_grade accepted_values (1 row)"
    )
    assert "HYPERLINK" not in failure

    alone = run_dbt(
        [
            "test",
            "--select",
            "stg_cc_incidents,test_name:not_null",
            "stg_cc_incidents,test_name:accepted_values",
        ],
        warehouse,
        target_path=tmp_path / "target",
    )
    failed = {n["name"].split("__")[0] for n in alone.nodes if n["status"] == "fail"}
    assert failed == {
        "accepted_values_stg_cc_incidents_channel",
        "not_null_stg_cc_incidents_created_at",
        "accepted_values_stg_cc_incidents_init_grade",
    }
    assert len(alone.nodes) > len(failed)  # the rules not broken ran too, and passed


def test_a_models_column_rules_read_the_rows_its_latest_build_wrote(
    sample_warehouse, tmp_path, monkeypatch
):
    """A model's column rules read each row alone, so in a model that stamps its rows with the
    build that wrote them (built_at) they read the latest build's rows: an earlier build's rows
    passed them then (a build whose tests fail is not kept). test_all_rows reads every row."""
    from dacall import governance
    from dacall.transform import run_dbt

    warehouse = shutil.copytree(sample_warehouse.parent, tmp_path / "copy") / sample_warehouse.name
    real_vars = governance.dbt_vars

    def broken_rules(**variables) -> list[str]:
        monkeypatch.setattr(governance, "dbt_vars", lambda: {**real_vars(), **variables})
        result = run_dbt(
            ["test", "--select", "stg_cc_incidents,test_name:column_rules"],
            warehouse,
            target_path=tmp_path / "target",
        )
        (node,) = result.nodes
        return result.failures if node["status"] == "fail" else []

    with connect(warehouse) as con:
        (first, second), latest = (
            [
                row[0]
                for row in con.execute(
                    "select incident_urn from staging.stg_cc_incidents order by 1 limit 2"
                ).fetchall()
            ],
            con.execute("select max(built_at) from staging.stg_cc_incidents").fetchone()[0],
        )
        # A row of the latest build breaking a rule, and one of an earlier build.
        con.execute(
            "update staging.stg_cc_incidents set init_grade = 9 where incident_urn = ?", [first]
        )
        con.execute(
            "update staging.stg_cc_incidents set channel = 'FAX', "
            "built_at = built_at - interval 1 day where incident_urn = ?",
            [second],
        )
        assert (
            con.execute(
                "select count(*) from staging.stg_cc_incidents where built_at = ?", [latest]
            ).fetchone()[0]
            > 1
        )
    assert len(broken_rules()) == 1 and "Got 1 result" in broken_rules()[0]
    assert "Got 2 results" in broken_rules(test_all_rows=True)[0]
    with connect(warehouse) as con:
        con.execute(
            "update staging.stg_cc_incidents set init_grade = 1 where incident_urn = ?", [first]
        )
    assert broken_rules() == []


@pytest.mark.parametrize(
    ("model", "key", "test"),
    [
        ("staging.stg_audit_rms", "audit_id", "unique_in_latest_build"),
        ("intermediate.int_log_entry_readings", "incident_urn", "unique_combination"),
    ],
)
def test_a_builds_uniqueness_tests_read_its_rows_against_all_history(
    sample_warehouse, tmp_path, monkeypatch, model, key, test
):
    """The large incremental models' uniqueness tests check the values of the rows the latest
    build wrote (built_at), each counted over every row: a new row that repeats an old row's
    key fails. A duplicate among older rows was the business of the build that wrote it, or of
    test_all_rows (and a full refresh, which stamps every row)."""
    from dacall import governance
    from dacall.transform import run_dbt

    warehouse = shutil.copytree(sample_warehouse.parent, tmp_path / "copy") / sample_warehouse.name
    with connect(warehouse) as con:
        (old_key, latest) = con.execute(f"select min({key}), max(built_at) from {model}").fetchone()
    old_row = f"from {model} where {key} = ? order by all limit 1"

    def uniqueness_failures(repeat_stamped, **variables):
        """Failures of the model's uniqueness test with one old row repeated, stamped so."""
        with connect(warehouse) as con:
            con.execute(f"delete from {model} where source_file = 'seeded repeat'")
            con.execute(
                f"insert into {model} by name select * replace "
                f"('seeded repeat' as source_file, ?::timestamptz as built_at) {old_row}",
                [repeat_stamped, old_key],
            )
        monkeypatch.setattr(governance, "dbt_vars", lambda: {**real_vars(), **variables})
        result = run_dbt(
            ["test", "--select", f"{model.split('.')[1]},test_name:{test}"],
            warehouse,
            target_path=tmp_path / "target",
        )
        (node,) = result.nodes
        return node["failures"]

    real_vars = governance.dbt_vars
    # One build wrote every row (the samples' first run): every row is checked.
    assert uniqueness_failures(latest) == 1
    with connect(warehouse) as con:
        # An earlier build's rows: those of the smallest key.
        con.execute(
            f"update {model} set built_at = built_at - interval 1 day where {key} = ?", [old_key]
        )
        earlier = con.execute(f"select built_at {old_row}", [old_key]).fetchone()[0]
    assert earlier < latest
    # The latest build wrote a row repeating an old row's key: found, one key held twice.
    assert uniqueness_failures(latest) == 1
    # The same repeat among the earlier build's rows: not this build's to check ...
    assert uniqueness_failures(earlier) == 0
    # ... unless every row is asked for.
    assert uniqueness_failures(earlier, test_all_rows=True) == 1
