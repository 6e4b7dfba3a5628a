"""Compare the staging and intermediate tables of two built warehouses row for row.

    python tests/compare_warehouses.py BEFORE.duckdb AFTER.duckdb

Used to prove that a change to how the models compute (issue 16: the normalisation functions
vectorised) leaves every row the same. Prints one line per table and exits 1 on any difference.
Tables are compared as multisets (EXCEPT ALL both ways), so row order does not matter.
"""

from __future__ import annotations

import sys

import duckdb


def main(before: str, after: str) -> int:
    con = duckdb.connect()
    con.execute("attach ? as before (read_only)", [before])
    con.execute("attach ? as after (read_only)", [after])
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'before' "
        "and (table_name like 'stg\\_%' escape '\\' or table_name like 'int\\_%' escape '\\') "
        "order by all"
    ).fetchall()
    differing = 0
    for schema, table in tables:
        name = f'"{schema}"."{table}"'
        rows = con.execute(f"select count(*) from before.{name}").fetchone()[0]
        only_before, only_after = (
            con.execute(
                f"select count(*) from (select * from {a}.{name} except all "
                f"select * from {b}.{name})"
            ).fetchone()[0]
            for a, b in (("before", "after"), ("after", "before"))
        )
        same = only_before == only_after == 0
        differing += not same
        print(
            f"{schema}.{table}: {rows} rows, {'identical' if same else 'DIFFERENT'} "
            f"({only_before} only before, {only_after} only after)"
        )
    print(f"{len(tables)} tables compared, {differing} different")
    return 1 if differing or not tables else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
