"""Load the SQL files under ``sql/``: one file per table, named ``sql/<schema>/<table>.sql``."""

from __future__ import annotations

from functools import cache

import duckdb
import polars as pl

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


def build_table(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    params: dict | None = None,
    by_as_of: bool = False,
) -> int:
    """Build ``schema.table`` from its SQL file; return its row count.

    With ``by_as_of`` the table keeps one slice per ``as_of`` date and only the ``$as_of``
    slice is replaced (so earlier dates stay for trends); otherwise the table is replaced.
    """
    sql = load_sql(schema, table)
    params = params or {}
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    if not by_as_of:
        con.execute(f"create or replace table {schema}.{table} as {sql}", used)
        return con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
    con.execute("begin transaction")
    try:
        con.execute(f"create table if not exists {schema}.{table} as {sql} with no data", used)
        con.execute(f"delete from {schema}.{table} where as_of = ?", [params["as_of"]])
        con.execute(f"insert into {schema}.{table} by name {sql}", used)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return con.execute(
        f"select count(*) from {schema}.{table} where as_of = ?", [params["as_of"]]
    ).fetchone()[0]


def query(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, params: dict | None = None
) -> pl.DataFrame:
    """Run ``sql/<schema>/<name>.sql`` as a query (only the parameters it names are bound)."""
    sql = load_sql(schema, name)
    used = {k: v for k, v in (params or {}).items() if f"${k}" in sql}
    return con.execute(sql, used).pl()


def violation_counts(
    con: duckdb.DuckDBPyConnection, table: str, params: dict | None = None
) -> pl.DataFrame:
    """Run ``sql/quality/<table>_violations.sql`` (one row per broken rule: ``check_name``,
    ``example``) and count it per rule with the first three examples."""
    sql = load_sql("quality", f"{table}_violations")
    used = {k: v for k, v in (params or {}).items() if f"${k}" in sql}
    return con.execute(
        f"""
        select
            check_name,
            count(*) as violations,
            string_agg(example, ', ' order by example) filter (where example_no <= 3)
                as examples
        from (
            select *, row_number() over (partition by check_name order by example) as example_no
            from ({sql})
        )
        group by check_name
        """,
        used,
    ).pl()
