"""Row count and content hash of every table of a warehouse, to prove a refactor changed nothing.

    .venv/bin/python benchmarks/table_hashes.py warehouse/wealthgraph.duckdb > before.json
    (refactor, run again)
    .venv/bin/python benchmarks/table_hashes.py warehouse/wealthgraph.duckdb --compare before.json

The hash is order-free (a sum of row hashes), so tables written in another order still match.
Columns that record when a row was made or how long it took (``generated_at``, ``seconds``)
are left out: they differ between any two runs; doubles count to 9 decimals, since parallel
sums differ in their last bits from run to run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

from wealthgraph.warehouse import content_hash


def table_hashes(database: Path) -> dict[str, list]:
    """``schema.table`` -> [rows, content hash] for every table in the file."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where not internal order by 1, 2"
        ).fetchall()
        found = {}
        for schema, table in tables:
            rows, digest = content_hash(con, f"{schema}.{table}")
            found[f"{schema}.{table}"] = [rows, str(digest)]
        return found
    finally:
        con.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--compare", type=Path, help="an earlier output of this script")
    args = parser.parse_args()
    now = table_hashes(args.database)
    if not args.compare:
        print(json.dumps(now, indent=1))
        return 0
    before = json.loads(args.compare.read_text())
    shared = before.keys() & now.keys()
    differ = [name for name in sorted(shared) if before[name] != now[name]]
    for name in differ:
        print(f"{name}: {before[name]} -> {now[name]}")
    gone, new = sorted(before.keys() - now.keys()), sorted(now.keys() - before.keys())
    print(
        f"{len(shared) - len(differ)} of {len(before)} tables identical (rows and content hash), "
        f"{len(differ)} differ, {len(gone)} gone {gone or ''}, {len(new)} new {new or ''}",
        file=sys.stderr,
    )
    return 1 if differ or gone else 0


if __name__ == "__main__":
    raise SystemExit(main())
