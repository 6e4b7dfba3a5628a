"""Every configuration file checked against its schema before anything runs, so that a
mistake is one line naming the file, the line and the field, not an error deep inside dbt or
Airflow with its position lost.

    dacall.config_schema.validate_all()      # every file of config/
    dacall.config_schema.validate_file(name)  # one file, returned parsed
"""

from __future__ import annotations

from pathlib import Path

import yaml

from dacall.settings import SAFE_LOADER, UserError, config_dir, load_yaml_text

_WORDS = {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}
_WORD_MAP = {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}}
_SYSTEMS = {"type": "array", "items": {"enum": ["PNC", "PND", "RMS", "CAD"]}, "minItems": 1}
_RULE = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
_SHARE = {"type": "number", "minimum": 0, "maximum": 1}
_MEMORY = {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?\\s*[KMGT]i?B$"}
_LOCAL_TIME = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}


def _mapping(required: dict, optional: dict | None = None, **rules) -> dict:
    """A mapping's schema: the fields it must have and those it may have (each field named
    once, with its schema), and any further rules (additionalProperties, ...)."""
    schema = {"type": "object", "required": list(required)}
    return schema | {"properties": required | (optional or {})} | rules


SCHEMAS: dict[str, dict] = {
    "feeds.yml": {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": _mapping(
            {
                "pattern": {"type": "string", "minLength": 1},
                "format": {"enum": ["csv", "fixed", "jsonl"]},
                "encoding": {"enum": ["ascii", "cp1252", "utf-8", "utf-8-sig"]},
            },
            {
                "line_end": {"enum": ["crlf", "lf", "any"]},
                "columns": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "array",
                        "prefixItems": [
                            {"type": "string"},
                            {"type": "integer", "minimum": 1},
                            {"type": "integer", "minimum": 1},
                        ],
                        "minItems": 3,
                        "maxItems": 3,
                    },
                },
                "checks": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        ),
    },
    "claims_vocabulary.yml": _mapping(
        {
            "standard_check_set": _SYSTEMS,
            "systems": {
                "type": "object",
                "propertyNames": {"enum": ["PNC", "PND", "RMS", "CAD"]},
                "additionalProperties": _WORDS,
            },
            "system_subjects": _WORD_MAP,
            "subjects": {
                "type": "object",
                "propertyNames": {"enum": ["PERSON", "ADDRESS", "TELEPHONE", "VEHICLE"]},
                "additionalProperties": _WORDS,
            },
            "check_words": _WORDS,
            "done_words": _WORDS,
            "narrative_openings": _WORDS,
            "not_done": {
                "type": "object",
                "required": [
                    "negators",
                    "negated",
                    "impossible",
                    "deferred",
                    "handed_over",
                    "conditional",
                ],  # fmt: skip
                "additionalProperties": _WORDS,
            },
            "results": _mapping({"NO_TRACE": _WORDS, "TRACE": _WORDS}, additionalProperties=False),
            "history_nouns": _WORDS,
            "denials": _WORDS,
            "corrections": _WORD_MAP,
        },
        {
            "part_separators": _WORDS,
            "history_qualifiers": _WORDS,
            "plural_words": _WORDS,
            "fuzzy_targets": _WORDS,
            "never_correct": _WORDS,
        },
    ),
    "address.yml": _mapping({"abbreviations": _WORD_MAP, "street_types": _WORDS}),
    "linkage.yml": _mapping(
        {
            "match_threshold": _SHARE,
            "blocking_rules": {"type": "array", "items": _RULE, "minItems": 1},
            "training_blocking_rules": {"type": "array", "items": _RULE, "minItems": 1},
            "deterministic_rules": {"type": "array", "items": _RULE, "minItems": 1},
            "deterministic_recall": _SHARE,
            "u_sampling_max_pairs": {"type": "integer", "minimum": 1},
            "review_band": {"type": "array", "items": _SHARE, "minItems": 2, "maxItems": 2},
            "memory_limit": _MEMORY,
            "parameters": {"enum": ["fixed", "estimated"]},
            "probability_decimals": {"type": "integer", "minimum": 1, "maximum": 12},
        }
    ),
    "linkage_parameters.yml": _mapping(
        {
            "prior": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "comparisons": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {
                    "type": "array",
                    "minItems": 1,
                    "items": _mapping(
                        {"level": {"type": "string"}, "m": _SHARE, "u": _SHARE},
                        additionalProperties=False,
                    ),
                },
            },
        },
        additionalProperties=False,
    ),
    "resources.yml": _mapping(
        {"build_memory_limit": _MEMORY, "build_threads": {"type": "integer", "minimum": 1}}
    ),
    "alerts.yml": {
        "type": "object",
        "properties": {
            "channels": {"type": "array", "items": {"enum": ["log", "email"]}},
            "email": {
                "type": "object",
                "properties": {
                    "conn_id": {"type": "string"},
                    "to": {"type": "array", "items": {"type": "string"}},
                    "from": {"type": ["string", "null"]},
                    "subject_prefix": {"type": "string"},
                },
            },
        },
    },
    "schedule.yml": _mapping(
        {
            "timezone": {"type": "string", "minLength": 1},
            "go_live": {},  # a YAML date; dacall.schedule checks it is one
            "nightly_at": _LOCAL_TIME,
        },
        {
            "late_file_checks": {"type": "array", "items": _LOCAL_TIME},
            "extracts_day": {"type": "integer", "minimum": 1, "maximum": 28},
            "extracts_at": _LOCAL_TIME,
            "task_retries": {"type": "integer", "minimum": 0},
            "retry_delay_seconds": {"type": "integer", "minimum": 0},
            "run_claim_hours": {"type": "number", "exclusiveMinimum": 0},
        },
        additionalProperties=False,
    ),
    "generator.yml": _mapping({"volumes": {"type": "object"}, "defects": {"type": "object"}}),
    "sharing/*.yml": _mapping(
        {
            "partner": {"type": "string", "pattern": "^[a-z][a-z_]{1,40}$"},
            "agreement": {"type": "string", "minLength": 1},
            "purpose": {"type": "string", "minLength": 1},
            "lawful_basis": {"type": "string", "minLength": 1},
            "dataset": {"type": "string", "minLength": 1},
            "fields": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 1,
                "uniqueItems": True,
            },
        },
        {
            "cadence": {"enum": ["monthly"]},
            "small_number_threshold": {"type": "integer", "minimum": 0},
        },
    ),
}

_KIND = {
    "object": "a mapping (key: value lines)",
    "array": "a list ([a, b] or '- a' lines)",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
}


def _schema_for(name: str) -> dict | None:
    if name.startswith("sharing/"):
        return SCHEMAS["sharing/*.yml"]
    return SCHEMAS.get(name)


def _load(path: Path, text: str):
    try:
        return load_yaml_text(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{path}{where}: not valid YAML ({problem})") from None


def _line_of(node, field_path) -> int | None:
    """The line (1-based) of the value at `field_path` in the composed YAML."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in field_path:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == str(key)), None)
            if found is None:
                break
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if key >= len(node.value):
                break
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _message(error) -> str:
    """One sentence for a schema error, in words a data team uses."""
    if error.validator == "type":
        expected = error.validator_value
        expected = expected if isinstance(expected, str) else expected[0]
        got = error.instance
        shown = f"{got!r}" if isinstance(got, (str, int, float)) and len(str(got)) < 60 else ""
        return f"must be {_KIND.get(expected, expected)}, not {type(got).__name__} {shown}".strip()
    if error.validator == "required":
        return error.message.replace("is a required property", "is missing")
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "propertyNames":
        return f"{error.instance!r} is not an allowed name"
    return error.message[:200]


def validate_file(name: str) -> dict:
    """The parsed file `config/<name>`, or UserError naming its file, line and field."""
    import jsonschema

    path = config_dir() / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"configuration file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the configuration file {path}: {exc}") from None
    data = _load(path, text)
    data = data if data is not None else {}
    schema = _schema_for(name)
    if schema is None:
        return data
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(data),
        key=lambda e: (list(map(str, e.absolute_path)), e.validator),
    )
    if errors:
        error = errors[0]
        field_path = list(error.absolute_path)
        if error.validator == "propertyNames":
            field_path.append(error.instance)
        field = ".".join(map(str, field_path)) or "(the whole file)"
        # The file's nodes (which know their lines) are read only to place a mistake.
        line = _line_of(yaml.compose(text, Loader=SAFE_LOADER), field_path)
        at = f" line {line}" if line else ""
        raise UserError(f"{path}{at}: field {field}: {_message(error)}")
    return data


def config_files() -> list[str]:
    """Every configuration file that has a schema, as a name under config/."""
    names = [name for name in SCHEMAS if "*" not in name]
    names += sorted(f"sharing/{p.name}" for p in (config_dir() / "sharing").glob("*.yml"))
    if validate_file("linkage.yml")["parameters"] == "estimated":
        names.remove("linkage_parameters.yml")  # read only when the parameters are fixed
    return names


def validate_all() -> None:
    """Check every configuration file; the first mistake is raised as a UserError."""
    for name in config_files():
        validate_file(name)
