"""Load the SQL files under ``sql/``: one file per table, named ``sql/<schema>/<table>.sql``."""

from __future__ import annotations

from functools import cache

from wealthgraph.settings import ROOT

SQL_ROOT = ROOT / "sql"


@cache
def load_sql(schema: str, table: str) -> str:
    """Return the text of ``sql/<schema>/<table>.sql``.

    >>> "select" in load_sql("quality", "quarantine")
    True
    """
    path = SQL_ROOT / schema / f"{table}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"no SQL for {schema}.{table}: expected {path}")
    return path.read_text(encoding="utf-8")
