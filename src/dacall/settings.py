"""Where the project's code-side folders are: configuration, the dbt project, the GX suites.

Two layouts are supported. In a source checkout (`make install`, an editable install) they are
the repository's own `config/`, `dbt/` and `expectations/`. An installed wheel (the Docker
image, `pip install .`) carries copies of them inside the package, under `dacall/_bundled/`.
`DACALL_CONFIG_DIR`, `DACALL_DBT_DIR` and `DACALL_EXPECTATIONS_DIR` override either. These
folders are only read: run-time state goes to the state folder (`dacall.paths.state`).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
# The repository, when the package runs from a source checkout (src/dacall -> the root).
PROJECT_ROOT = PACKAGE_DIR.parents[1]
BUNDLED_DIR = PACKAGE_DIR / "_bundled"


def is_checkout() -> bool:
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "dbt").is_dir()


def resource_dir(name: str, variable: str) -> Path:
    """A code-side folder (`config`, `dbt`, `expectations`): the environment's choice, else the
    checkout's, else the copy bundled in the installed package."""
    value = os.environ.get(variable)
    if value:
        return Path(value)
    return PROJECT_ROOT / name if is_checkout() else BUNDLED_DIR / name


def config_dir() -> Path:
    return resource_dir("config", "DACALL_CONFIG_DIR")


def dbt_dir() -> Path:
    return resource_dir("dbt", "DACALL_DBT_DIR")


def expectations_dir() -> Path:
    return resource_dir("expectations", "DACALL_EXPECTATIONS_DIR")


# PyYAML's safe loading with libyaml's parser where it is installed (it is in PyYAML's wheels):
# the same data, parsed about ten times faster. A run reads its configuration files a dozen
# times over; in pure Python that was 0.4-0.5 s of a night.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_text(text) -> object:
    """YAML (a string or an open file) as PyYAML's safe_load reads it."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader


def load_yaml(name: str) -> dict:
    path = config_dir() / name
    try:
        with path.open(encoding="utf-8") as handle:
            return load_yaml_text(handle) or {}
    except FileNotFoundError as exc:
        raise UserError(f"configuration file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise UserError(f"configuration file {path} is not valid YAML: {exc}") from exc


def read_csv_rows(path: Path, what: str, reader=csv.reader, encoding: str = "utf-8") -> list:
    """Every row of a CSV a person hands to a command (`reader` as the csv module's), or a
    one-line UserError: no such file, or not UTF-8 CSV. `what` names the file in the error."""
    try:
        with path.open(encoding=encoding, newline="") as handle:
            return list(reader(handle))
    except FileNotFoundError:
        raise UserError(f"no such {what}: {path}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"{path.name} is not a UTF-8 CSV: {exc}") from None


class UserError(Exception):
    """A mistake the user can fix; the CLI prints it as one line, without a traceback."""
