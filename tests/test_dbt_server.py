"""The dbt server's parse of the project: commands start from it, and never from a parse of a
project that has changed since (dacall.dbt_server, real dbt on a copy of the samples' warehouse
and of the dbt project)."""

from __future__ import annotations

import shutil
import threading

import duckdb
import pytest

from conftest import query
from dacall import dbt_server
from dacall.settings import UserError, dbt_dir


@pytest.fixture
def project(sample_warehouse, tmp_path, monkeypatch):
    """(warehouse, dbt target folder, dbt project): copies, so a model can be added."""
    folder = shutil.copytree(sample_warehouse.parent, tmp_path / "warehouse")
    copied = shutil.copytree(
        dbt_dir(), tmp_path / "dbt", ignore=shutil.ignore_patterns("target", "logs")
    )
    monkeypatch.setenv("DACALL_DBT_DIR", str(copied))
    # dbt's log says what it parsed, and when, at debug (the project logs at info).
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    return folder / sample_warehouse.name, tmp_path / "target", copied


def _sentinel(project, body: str) -> None:
    (project / "models" / "staging" / "zz_sentinel.sql").write_text(body)


def _run_sentinel(warehouse, target, within_seconds: float = 120, from_scratch: bool = False):
    """`dbt run` of the sentinel model; a dbt that hangs fails the test (its server is killed,
    and its child with it) rather than the suite."""
    from dacall.transform import run_dbt

    outcome = {}

    def run():
        try:
            command = ["run", "--select", "zz_sentinel"]
            outcome["result"] = run_dbt(command, warehouse, target, parse_from_scratch=from_scratch)
        except BaseException as exc:  # noqa: BLE001 - raised again below
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(within_seconds)
    if thread.is_alive():
        dbt_server.kill()
        thread.join(30)
        pytest.fail(f"dbt run did not end within {within_seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def test_a_command_starts_from_the_parse_made_ahead_of_it(project):
    from dacall.transform import parse_request

    warehouse, target, dbt_project = project
    _sentinel(dbt_project, "select 1 as sentinel")
    dbt_server.prepare(parse_request(warehouse, target))
    log = target / "logs" / "dbt.log"
    assert _run_sentinel(warehouse, target).success
    assert query(warehouse, "select sentinel from staging.zz_sentinel") == [(1,)]
    text = log.read_text(errors="replace")
    parsed = text.index("Command `dbt parse` succeeded")
    # The run came after the parse and read no project file: it has no parsing of its own.
    assert "Running with dbt" in text[parsed:]
    assert "Partial parsing" not in text[parsed:]
    assert text.count("Command `dbt parse` succeeded") == 1


def test_a_project_changed_after_the_parse_is_parsed_again(project):
    warehouse, target, dbt_project = project
    _sentinel(dbt_project, "select 1 as sentinel")
    assert _run_sentinel(warehouse, target).success  # the server's parse has the model
    assert query(warehouse, "select sentinel from staging.zz_sentinel") == [(1,)]
    _sentinel(dbt_project, "select 2 as sentinel")
    assert _run_sentinel(warehouse, target).success
    assert query(warehouse, "select sentinel from staging.zz_sentinel") == [(2,)]


def test_a_project_that_does_not_parse_is_reported_and_then_parsed_once_mended(project):
    from dacall.transform import parse_request

    warehouse, target, dbt_project = project
    _sentinel(dbt_project, "select {{ ref( }} as sentinel")
    dbt_server.prepare(parse_request(warehouse, target))
    with pytest.raises(UserError, match="dbt run did not run"):
        _run_sentinel(warehouse, target)
    _sentinel(dbt_project, "select 3 as sentinel")
    assert _run_sentinel(warehouse, target).success
    assert query(warehouse, "select sentinel from staging.zz_sentinel") == [(3,)]


def test_a_full_build_reads_a_configuration_a_changed_macro_sets(project):
    """dbt's partial parse can keep a model's configuration as it was parsed though the macro
    that sets it changed since: with dbt 1.11, when the macro's description changed with it,
    the models calling it are not parsed again (the staging models' pre-hooks, set by
    raw_rows_not_yet_staged, stayed as they were). The build after any change to the project
    (dacall.model_fingerprint; tests/test_incremental.py) parses it anew."""
    warehouse, target, dbt_project = project
    setting = dbt_project / "macros" / "zz_sentinel_setting.sql"
    described = dbt_project / "macros" / "zz_sentinel_setting.yml"
    described.write_text(
        "version: 2\nmacros:\n- name: zz_sentinel_setting\n  description: Before.\n"
    )
    setting.write_text(
        "{% macro zz_sentinel_setting(name) %}"
        '{{ config(pre_hook="{{ zz_hook(\'" ~ name ~ "\') }}") }}select 1 as sentinel'
        "{% endmacro %}\n"
        "{% macro zz_hook(name, stamp=none) %}"
        "create or replace table staging.zz_{{ name }}_{{ stamp }} as select 1 as x"
        "{% endmacro %}\n"
    )
    _sentinel(dbt_project, "{{ zz_sentinel_setting('hooked') }}")
    assert _run_sentinel(warehouse, target).success
    assert query(warehouse, "select x from staging.zz_hooked_None") == [(1,)]
    setting.write_text(setting.read_text().replace("') }}", "', stamp='on') }}"))
    described.write_text(described.read_text().replace("Before.", "After."))
    assert _run_sentinel(warehouse, target, from_scratch=True).success
    assert query(warehouse, "select x from staging.zz_hooked_on") == [(1,)]
    # And the parse kept for the builds after it is that one.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table staging.zz_hooked_on; drop table staging.zz_hooked_None")
    assert _run_sentinel(warehouse, target).success
    assert query(
        warehouse,
        "select table_name from information_schema.tables where table_name like 'zz_hooked%'",
    ) == [("zz_hooked_on",)]


def _macro_setting_a_hook(dbt_project, stamp: str) -> None:
    """A macro that sets the sentinel's pre-hook, changed (with its description) between runs:
    the change dbt's partial parse misses (the test above)."""
    (dbt_project / "macros" / "zz_sentinel_setting.yml").write_text(
        f"version: 2\nmacros:\n- name: zz_sentinel_setting\n  description: {stamp}.\n"
    )
    (dbt_project / "macros" / "zz_sentinel_setting.sql").write_text(
        "{% macro zz_sentinel_setting(name) %}"
        f"{{{{ config(pre_hook=\"{{{{ zz_hook('\" ~ name ~ \"', stamp='{stamp}') }}}}\") }}}}"
        "select 1 as sentinel{% endmacro %}\n"
        "{% macro zz_hook(name, stamp) %}"
        "create or replace table staging.zz_{{ name }}_{{ stamp }} as select 1 as x"
        "{% endmacro %}\n"
    )


def _parsed_from_scratch(target) -> bool:
    log = (target / "logs" / "dbt.log").read_text(errors="replace")
    return "Partial parsing not enabled" in log


def test_a_build_asked_to_parse_anew_starts_from_a_whole_parse_of_the_same_files(
    project, tmp_path, monkeypatch
):
    """A new warehouse's first build would parse the project from scratch: it starts instead
    from the kept parse (dacall.dbt_parse_cache) when that is recorded as a whole parse of the
    project's files exactly as they are, and from scratch again once a file has changed."""
    monkeypatch.setenv("DACALL_CACHE_DIR", str(tmp_path / "cache"))
    warehouse, _, dbt_project = project
    _macro_setting_a_hook(dbt_project, "first")
    _sentinel(dbt_project, "{{ zz_sentinel_setting('hooked') }}")
    assert _run_sentinel(warehouse, tmp_path / "first", from_scratch=True).success
    assert _parsed_from_scratch(tmp_path / "first")
    # A second warehouse's target folder starts from the whole parse the first one kept.
    assert _run_sentinel(warehouse, tmp_path / "second", from_scratch=True).success
    assert not _parsed_from_scratch(tmp_path / "second")
    assert "Partial parsing enabled" in (tmp_path / "second" / "logs" / "dbt.log").read_text()
    # The macro changed: the kept parse is of other files, so the project is parsed anew and
    # the model's new configuration is read.
    _macro_setting_a_hook(dbt_project, "second")
    assert _run_sentinel(warehouse, tmp_path / "third", from_scratch=True).success
    assert _parsed_from_scratch(tmp_path / "third")
    assert query(
        warehouse,
        "select table_name from information_schema.tables where table_name like 'zz_hooked%' "
        "order by 1",
    ) == [("zz_hooked_first",), ("zz_hooked_second",)]


def test_a_run_parses_ahead_the_parse_its_first_build_asks_for(project):
    """The run's parse, made while ingestion runs (dacall.pipeline.parse_for_builds), is the one
    its first build starts from: from scratch where the project changed since the staging models
    were built, so that build does not parse it again."""
    from dacall import pipeline
    from dacall.transform import dbt_target

    warehouse, _, dbt_project = project
    _sentinel(dbt_project, "select 1 as sentinel")  # the project changed since its last build
    log_file = dbt_target(warehouse) / "logs" / "dbt.log"
    earlier = log_file.stat().st_size if log_file.exists() else 0  # the sample's own builds
    pipeline.parse_for_builds(warehouse)
    assert pipeline.transform_step(warehouse, phase="staging")["success"]
    log = log_file.read_bytes()[earlier:].decode(errors="replace")
    assert log.count("Command `dbt parse` succeeded") == 1
    assert "Partial parsing not enabled" in log
