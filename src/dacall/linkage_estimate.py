"""`dacall linkage-estimate`: the linkage's m and u probabilities estimated once, from a built
warehouse, into config/linkage_parameters.yml for a person to review and commit.

Splink's parameters say how often each field agrees between two records of one person (m) and
between two records of different people (u). Estimated on every run they cost most of the
linkage's time and move a little each night as the population grows, so a pair scored 0.81
yesterday may score 0.79 tonight. Kept in a file they are reviewed once (docs/linkage.md) and
every run scores alike; the prior, which depends on how many records there are, is still
estimated on every run (dacall.linkage).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import duckdb
import yaml

from dacall.settings import UserError, config_dir

HEADER = """\
# The person linkage's m and u probabilities, level by level (dacall.linkage; docs/linkage.md).
# m: how often two records of one person agree at this level; u: how often two records of
# different people do. Estimated by `dacall linkage-estimate` from {records:,} person records
# on {day}; review the weights they make before committing a new estimate
# (docs/linkage.md, "Parameters"). config/linkage.yml's `parameters: estimated` estimates them
# from the data on every run instead. `prior` is used only when a run's records give none.
"""


def parameters_text(parameters: dict, records: int, day: date) -> str:
    """The YAML of config/linkage_parameters.yml, with a header saying where it came from."""
    unestimated = [
        f"{name}: {level['level']}"
        for name, levels in parameters["comparisons"].items()
        for level in levels
        if level["m"] is None or level["u"] is None
    ]
    if unestimated:
        raise UserError(
            "too few records to estimate every level (" + "; ".join(unestimated) + "): "
            "estimate from a larger warehouse (a force-year or more)"
        )
    rounded = {
        "prior": float(f"{parameters['prior']:.6g}"),
        "comparisons": {
            name: [
                level | {"m": float(f"{level['m']:.6g}"), "u": float(f"{level['u']:.6g}")}
                for level in levels
            ]
            for name, levels in parameters["comparisons"].items()
        },
    }  # six significant figures: more than the estimate's precision, easier to review
    body = yaml.safe_dump(rounded, sort_keys=False, default_flow_style=None, width=100)
    return HEADER.format(records=records, day=day.isoformat()) + body


def estimate_into(warehouse: Path, out: Path | None = None) -> Path:
    """Estimate from the warehouse's intermediate.int_person_records and write the file
    (config/linkage_parameters.yml unless `out`); returns where it was written."""
    from dacall.linkage import PARAMETERS_FILE, estimate_parameters
    from dacall.warehouse import connect

    if not Path(warehouse).exists():
        raise UserError(f"no warehouse at {warehouse}: run `dacall run` first")
    with connect(warehouse, read_only=True) as con:
        try:
            records = con.sql("select * from intermediate.int_person_records").to_arrow_table()
        except duckdb.CatalogException:
            raise UserError(
                f"{warehouse} has no intermediate.int_person_records: build it first (`dacall run`)"
            ) from None
    from splink.internals.exceptions import EMTrainingException

    try:
        parameters = estimate_parameters(records)
    except (EMTrainingException, ValueError) as exc:
        raise UserError(
            f"too few person records ({records.num_rows:,}) to estimate the linkage's "
            f"parameters from: estimate from a larger warehouse ({type(exc).__name__})"
        ) from None
    text = parameters_text(parameters, records.num_rows, date.today())
    out = Path(out or config_dir() / PARAMETERS_FILE)
    out.write_text(text, encoding="utf-8")
    return out


def cmd_linkage_estimate(args) -> int:
    written = estimate_into(args.warehouse, args.out)
    print(f"wrote {written}: review it (docs/linkage.md) before committing", file=sys.stderr)
    return 0
