"""Tiny in-memory warehouses built from literal rows, for tests that pin exact numbers."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from wealthgraph.config import sql_params
from wealthgraph.sql import build_table, query
from wealthgraph.warehouse import connect


def warehouse() -> duckdb.DuckDBPyConnection:
    """An empty in-memory warehouse: every schema and core table, no rows."""
    return connect(":memory:")


def add(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Insert rows given as dicts (columns a row leaves out are null); a table that does not
    exist yet is created with just these columns."""
    con.register("literal_rows", pl.DataFrame(rows))
    con.execute(f"create table if not exists {table} as from literal_rows with no data")
    con.execute(f"insert into {table} by name select * from literal_rows")
    con.unregister("literal_rows")


def event(event_id: str, ts: str, user: str, kind: str, target: str | None = None, **more) -> dict:
    """One core.events row: ``event("E1", "2026-10-01 09:00", "C1", "article_read", "A1")``."""
    return {
        "event_id": event_id,
        "ts": dt.datetime.fromisoformat(ts),
        "user_id": user,
        "event_type": kind,
        "target_id": target,
        **more,
    }


def build(con: duckdb.DuckDBPyConnection, schema: str, table: str, as_of: dt.date) -> None:
    build_table(con, schema, table, {"as_of": as_of, **sql_params()})


def run(con: duckdb.DuckDBPyConnection, schema: str, name: str, as_of: dt.date) -> pl.DataFrame:
    return query(con, schema, name, {"as_of": as_of, **sql_params()})
