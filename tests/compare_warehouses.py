"""Compare the staging and intermediate tables of two built warehouses row for row.

    python tests/compare_warehouses.py BEFORE.duckdb AFTER.duckdb

Used to prove that a change to how the models compute (issue 16: the normalisation functions
vectorised) leaves every row the same. Prints one line per table and exits 1 on any difference.
Tables are compared as multisets (EXCEPT ALL both ways), so row order does not matter. Only
the columns both hold are compared; a column one side lacks is named (a change may add one).
`built_at` (when the build that wrote a row started), `evidence_built_at` (the latest
`built_at` of a claim's evidence), the copies of such stamps kept by the models that copy
rows (`claim_built_at`, `incident_built_at`, `decided_at`, `found_at`) and the upstream stamps
the incremental models hold (`loaded_at`, when the raw row was loaded; `staged_at`) are left
out: they differ between any two builds; so is `searches_held` (how many searches there were
when a build of int_claim_evidence wrote the row, for the next build to count against). Add
--all-schemas to compare the marts and exports too.
"""

from __future__ import annotations

import sys

import duckdb

NOT_COMPARED = {
    "built_at",
    "evidence_built_at",
    "claim_built_at",
    "incident_built_at",
    "decided_at",
    "found_at",
    "loaded_at",
    "staged_at",
    "searches_held",
    # Marks of raw as each build found it (dbt/macros/latest_version.sql).
    "raw_rows_held",
    "raw_loaded_until",
}


def _columns(con, database: str, schema: str, table: str) -> dict[str, str]:
    return dict(
        con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = ? "
            "and schema_name = ? and table_name = ? order by column_index",
            [database, schema, table],
        ).fetchall()
    )


def compare(before: str, after: str, every_schema: bool = False) -> list[str]:
    """One line per table of `before`: its rows and whether `after` holds the same rows.
    Floating-point columns are compared to 9 decimals: Splink's sums vary in the last digits."""
    con = duckdb.connect()
    con.execute("attach ? as before (read_only)", [str(before)])
    con.execute("attach ? as after (read_only)", [str(after)])
    which = (
        "schema_name in ('staging', 'intermediate', 'marts', 'exports')"
        if every_schema
        else "(table_name like 'stg\\_%' escape '\\' or table_name like 'int\\_%' escape '\\')"
    )
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'before' "
        f"and {which} order by all"
    ).fetchall()
    lines = []
    for schema, table in tables:
        name = f'"{schema}"."{table}"'
        before_columns = _columns(con, "before", schema, table)
        after_columns = _columns(con, "after", schema, table)
        if not after_columns:
            lines.append(f"{schema}.{table}: DIFFERENT (missing after)")
            continue
        only = sorted(set(before_columns) ^ set(after_columns))
        selected = ", ".join(
            f'round("{c}", 9)' if kind in ("DOUBLE", "FLOAT") else f'"{c}"'
            for c, kind in before_columns.items()
            if c in after_columns and c not in NOT_COMPARED
        )
        rows = con.execute(f"select count(*) from before.{name}").fetchone()[0]
        only_before, only_after = (
            con.execute(
                f"select count(*) from (select {selected} from {a}.{name} except all "
                f"select {selected} from {b}.{name})"
            ).fetchone()[0]
            for a, b in (("before", "after"), ("after", "before"))
        )
        same = only_before == only_after == 0
        lines.append(
            f"{schema}.{table}: {rows} rows, {'identical' if same else 'DIFFERENT'} "
            f"({only_before} only before, {only_after} only after)"
            + (f"; columns on one side only: {', '.join(only)}" if only else "")
        )
    return lines


def main(before: str, after: str, every_schema: bool = False) -> int:
    lines = compare(before, after, every_schema)
    differing = sum("DIFFERENT" in line for line in lines)
    print("\n".join(lines))
    print(f"{len(lines)} tables compared, {differing} different")
    return 1 if differing or not lines else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3], every_schema="--all-schemas" in sys.argv[3:]))
