"""config/resources.yml reaches the DuckDB connection dbt builds with."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from dacall.dbt_plugin import limit_memory
from dacall.settings import PROJECT_ROOT, UserError


@pytest.fixture
def config_copy(tmp_path, monkeypatch):
    folder = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", folder)
    monkeypatch.setenv("DACALL_CONFIG_DIR", str(folder))
    monkeypatch.setenv("DACALL_STATE_DIR", str(tmp_path / "state"))
    return folder


def test_the_build_memory_limit_and_spill_folder_come_from_config(config_copy, tmp_path):
    (config_copy / "resources.yml").write_text("build_memory_limit: 1GiB\n")
    connection = duckdb.connect()
    limit_memory(connection)
    limit, spill = connection.execute(
        "select current_setting('memory_limit'), current_setting('temp_directory')"
    ).fetchone()
    assert limit == "1.0 GiB"
    assert spill == str(tmp_path / "state" / "dbt_spill")
    assert (tmp_path / "state" / "dbt_spill").stat().st_mode & 0o077 == 0


def test_a_memory_limit_that_is_not_a_size_is_refused_by_name(config_copy):
    (config_copy / "resources.yml").write_text("build_memory_limit: 1GB'; drop table x; --\n")
    with pytest.raises(UserError) as error:
        limit_memory(duckdb.connect())
    assert str(error.value).startswith(
        f"{config_copy / 'resources.yml'} line 1: field build_memory_limit"
    )
