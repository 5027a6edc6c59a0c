"""Load the SQL files under ``sql/``: one file per table, named ``sql/<schema>/<table>.sql``.

Each file is parsed by DuckDB's own parser (``json_serialize_sql``) for the ``schema.table``
names it reads (its lineage, see pipelines/sql_asset.py) and the ``$name`` parameters it uses;
exactly those parameters are bound, and one the caller does not give is an error naming the
file and the parameter.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache

import duckdb
import polars as pl

from wealthgraph.settings import ROOT
from wealthgraph.warehouse import prune_slices, table_columns

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


@dataclass(frozen=True)
class SqlShape:
    """What a query reads and needs: the ``schema.table`` names in its FROM and JOIN clauses
    (common table expressions and unqualified names left out) and its ``$name`` parameters."""

    reads: frozenset[str]
    parameters: frozenset[str]


def _nodes(tree) -> Iterator[dict]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


@cache
def parse_sql(sql: str, name: str = "query") -> SqlShape:
    """The tables ``sql`` reads and the parameters it uses, by DuckDB's parser.

    >>> shape = parse_sql("with x as (select * from core.events) select * from x where d = $as_of")
    >>> sorted(shape.reads), sorted(shape.parameters)
    (['core.events'], ['as_of'])
    """
    with duckdb.connect() as con:
        serialized = con.execute("select json_serialize_sql(?)", [sql]).fetchone()[0]
    tree = json.loads(serialized)
    if tree.get("error"):
        raise ValueError(f"{name} does not parse as a query: {tree.get('error_message')}")
    reads, parameters = set(), set()
    for node in _nodes(tree):
        if node.get("type") == "BASE_TABLE" and node.get("schema_name"):
            reads.add(f"{node['schema_name']}.{node['table_name']}")
        elif node.get("class") == "PARAMETER":
            parameters.add(str(node["identifier"]))
    return SqlShape(frozenset(reads), frozenset(parameters))


def sql_shape(schema: str, table: str) -> SqlShape:
    """:func:`parse_sql` of ``sql/<schema>/<table>.sql``."""
    return parse_sql(load_sql(schema, table), f"sql/{schema}/{table}.sql")


def bind(sql: str, params: Mapping | None, name: str = "query") -> dict:
    """Exactly the parameters ``sql`` uses, taken from ``params``; a parameter missing from
    ``params`` raises an error naming ``name`` and the parameter."""
    params = params or {}
    needed = parse_sql(sql, name).parameters
    missing = sorted(needed - params.keys())
    if missing:
        raise KeyError(
            f"{name} uses {', '.join('$' + p for p in missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not among the settings given "
            "(wealthgraph.config.sql_params and as_of)"
        )
    return {k: params[k] for k in sorted(needed)}


def _replace(
    con: duckdb.DuckDBPyConnection, table: str, sql: str, used: dict, where: str, params: dict
) -> None:
    """In one transaction: create ``table`` from ``sql``'s shape if new, delete its rows
    ``where``, insert ``sql``'s rows, and for a table kept by run date prune its old slices."""
    con.execute("begin transaction")
    try:
        con.execute(f"create table if not exists {table} as {sql} with no data", used)
        con.execute(f"delete from {table} where {where}", params)
        con.execute(f"insert into {table} by name {sql}", used)
        if "as_of" in params:
            prune_slices(con, table, params["as_of"])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def build_table(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    params: Mapping | None = None,
    by_as_of: bool = False,
) -> int:
    """Build ``schema.table`` from its SQL file; return its row count.

    With ``by_as_of`` the table keeps one slice per ``as_of`` date and only the ``$as_of``
    slice is replaced (so earlier dates stay for trends, within
    :func:`wealthgraph.warehouse.prune_slices`'s keep); otherwise the table is replaced.
    """
    sql = load_sql(schema, table)
    used = bind(sql, params, f"sql/{schema}/{table}.sql")
    if not by_as_of:
        con.execute(f"create or replace table {schema}.{table} as {sql}", used)
        return con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
    slice_ = {"as_of": params["as_of"]}
    _replace(con, f"{schema}.{table}", sql, used, "as_of = $as_of", slice_)
    (rows,) = con.execute(
        f"select count(*) from {schema}.{table} where as_of = $as_of", slice_
    ).fetchone()
    return rows


def build_days(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    day_column: str,
    first: dt.date,
    last: dt.date,
    params: Mapping | None = None,
) -> int:
    """Replace the days ``first`` .. ``last`` of a table kept per day; return their row count.

    The file selects the days ``$first_day`` .. ``$last_day`` (into ``day_column``); the other
    days' rows stay, so a daily run writes one day and a full run all of them, with the same
    rows either way.
    """
    sql = load_sql(schema, table)
    days = {"first_day": first, "last_day": last}
    used = bind(sql, {**(params or {}), **days}, f"sql/{schema}/{table}.sql")
    within = f"{day_column} between $first_day and $last_day"
    _replace(con, f"{schema}.{table}", sql, used, within, days)
    (rows,) = con.execute(f"select count(*) from {schema}.{table} where {within}", days).fetchone()
    return rows


def build_months(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    month_column: str,
    first: dt.date,
    params: Mapping | None = None,
) -> int:
    """Replace the months from ``first``'s on of a table kept per month; return their row count.

    The file selects the months from ``$first_day``'s on, as of ``$as_of``; earlier months'
    rows stay as an earlier run wrote them, so a daily run writes its own month and a full run
    every month, with the same rows either way. The table's last month is written again too,
    and a table that is missing, or has other columns than the file selects, is written whole.
    """
    sql = load_sql(schema, table)
    used = bind(sql, {**(params or {}), "first_day": first}, f"sql/{schema}/{table}.sql")
    shape = [c[0] for c in con.execute(f"select * from ({sql}) limit 0", used).description]
    if table_columns(con, f"{schema}.{table}") != shape:
        # new, or written by an older shape of the file: every month, not only the run's (if
        # the build below fails, the next run finds no table and writes every month again)
        con.execute(f"drop table if exists {schema}.{table}")
        first = used["first_day"] = dt.date.min
    else:
        # the table's last month too: a run as of an earlier day (re-running an old day) left
        # it written as of that day and dropped the months after, which this run restores
        last = con.execute(f"select max({month_column}) from {schema}.{table}").fetchone()[0]
        first = used["first_day"] = min(first, last or first)
    since = {"first_month": first.replace(day=1)}
    within = f"{month_column} >= $first_month"
    _replace(con, f"{schema}.{table}", sql, used, within, since)
    (rows,) = con.execute(f"select count(*) from {schema}.{table} where {within}", since).fetchone()
    return rows


def query(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, params: Mapping | None = None
) -> pl.DataFrame:
    """Run ``sql/<schema>/<name>.sql`` as a query (only the parameters it uses are bound)."""
    sql = load_sql(schema, name)
    return con.execute(sql, bind(sql, params, f"sql/{schema}/{name}.sql")).pl()


def violation_counts(
    con: duckdb.DuckDBPyConnection, table: str, params: Mapping | None = None
) -> pl.DataFrame:
    """Run ``sql/quality/<table>_violations.sql`` (one row per broken rule: ``check_name``,
    ``example``) and count it per rule with the first three examples."""
    sql = load_sql("quality", f"{table}_violations")
    used = bind(sql, params, f"sql/quality/{table}_violations.sql")
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
