"""config/resources.yml reaches the DuckDB connection dbt builds with."""

from __future__ import annotations

import duckdb
import pytest

from dacall.dbt_plugin import limit_memory
from dacall.settings import UserError
from dacall.transform import run_dbt


def test_the_build_memory_limit_and_spill_folder_come_from_config(config_copy, tmp_path):
    (config_copy / "resources.yml").write_text("build_memory_limit: 1GiB\nbuild_threads: 2\n")
    connection = duckdb.connect()
    limit_memory(connection)
    limit, spill = connection.execute(
        "select current_setting('memory_limit'), current_setting('temp_directory')"
    ).fetchone()
    assert limit == "1.0 GiB"
    assert spill == str(tmp_path / "state" / "dbt_spill")
    assert (tmp_path / "state" / "dbt_spill").stat().st_mode & 0o077 == 0


def test_a_memory_limit_that_is_not_a_size_is_refused_by_name(config_copy):
    (config_copy / "resources.yml").write_text(
        "build_memory_limit: 1GB'; drop table x; --\nbuild_threads: 2\n"
    )
    with pytest.raises(UserError) as error:
        limit_memory(duckdb.connect())
    assert str(error.value).startswith(
        f"{config_copy / 'resources.yml'} line 1: field build_memory_limit"
    )


def test_dbt_builds_as_many_models_at_once_as_config_says(config_copy, tmp_path):
    resources = config_copy / "resources.yml"
    resources.write_text(resources.read_text().replace("build_threads: 2", "build_threads: 3"))
    warehouse = tmp_path / "warehouse" / "dacall.duckdb"
    warehouse.parent.mkdir()
    result = run_dbt(["seed"], warehouse, target_path=tmp_path / "target")
    assert result.success
    log = (tmp_path / "target" / "logs" / "dbt.log").read_text()
    assert "Concurrency: 3 threads" in log
