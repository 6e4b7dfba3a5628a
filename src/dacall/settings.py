"""Where the project's editable configuration lives."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def config_dir() -> Path:
    return Path(os.environ.get("DACALL_CONFIG_DIR", PROJECT_ROOT / "config"))


def load_yaml(name: str) -> dict:
    path = config_dir() / name
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except FileNotFoundError as exc:
        raise UserError(f"configuration file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise UserError(f"configuration file {path} is not valid YAML: {exc}") from exc


class UserError(Exception):
    """A mistake the user can fix; the CLI prints it as one line, without a traceback."""
