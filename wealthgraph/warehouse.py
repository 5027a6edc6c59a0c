"""The DuckDB warehouse: connecting, and the layered schemas every asset writes into."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import polars as pl

from wealthgraph import landing
from wealthgraph.landing import Source

SCHEMAS = ("raw", "staging", "core", "quality", "graph", "features", "recommend", "marts")
# bookkeeping columns every raw and staging row carries, so a bad row can be found in its file
LINE_COLUMNS = {"partition_date": "DATE", "file_name": "VARCHAR", "line_no": "INTEGER"}


def memory_limit() -> str:
    """DuckDB's memory limit: ``WEALTHGRAPH_MEMORY_LIMIT`` (a DuckDB size such as ``6GB``), or
    a third of the machine's memory.

    DuckDB's own default, 80%, leaves too little to the polars, numpy and implicit work in the
    same process; past the limit DuckDB spills its joins and aggregates to disk instead.
    """
    if limit := os.environ.get("WEALTHGRAPH_MEMORY_LIMIT"):
        return limit
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{machine // 3 // 2**20}MB"


def connect(database: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating its folder and schemas when writable."""
    if not read_only and str(database) != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        str(database), read_only=read_only, config={"memory_limit": memory_limit()}
    )
    if not read_only:
        ensure_schemas(con)
    return con


def _columns(columns: dict[str, str]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in columns.items())


def core_columns(source: Source) -> dict[str, str]:
    """Columns of ``core.<source>``: the typed fields, plus the partition for daily sources."""
    return {**source.fields, **({"partition_date": "DATE"} if source.daily else {})}


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and the ingest tables of every landing source (idempotent)."""
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")
    for source in landing.SOURCES.values():
        name = source.name
        con.execute(f"create table if not exists raw.{name} ({_columns(LINE_COLUMNS)}, line BLOB)")
        staging = {**LINE_COLUMNS, "line_text": "VARCHAR", **source.fields}
        con.execute(
            f"create table if not exists staging.{name} "
            f"({_columns(staging)}, reject_reason VARCHAR)"
        )
        con.execute(f"create table if not exists core.{name} ({_columns(core_columns(source))})")
    # the contract's vocabularies, as tables, so SQL rules and analysts read the same lists
    event_types = pl.DataFrame(
        [(name, kind, amount) for name, (kind, amount) in landing.EVENT_TYPES.items()],
        schema=["event_type", "target_kind", "amount_required"],
        orient="row",
    )
    # position keeps the contract's order (AAA before AA, C1 before C2) for ordered domains
    enums = pl.DataFrame(
        [
            (domain, value, position)
            for domain, values in landing.ENUMS.items()
            for position, value in enumerate(values, start=1)
        ],
        schema=["domain", "value", "position"],
        orient="row",
    )
    for table, frame in (("event_types", event_types), ("enums", enums)):
        con.register("vocabulary", frame)
        con.execute(f"create or replace table core.{table} as select * from vocabulary")
        con.unregister("vocabulary")


def latest_day(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The as-of date of derived tables: the last day with accepted events, or with snapshots
    or transactions for sources that have no app events (a bank's own records)."""
    day = con.execute(
        """
        select coalesce(
            (select max(partition_date) from core.events),
            greatest(
                (select max(partition_date) from core.snapshots),
                (select max(partition_date) from core.transactions)
            )
        )
        """
    ).fetchone()[0]
    if day is None:
        raise RuntimeError("no events, snapshots or transactions ingested yet: nothing to build")
    return day


def write_slice(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, as_of: dt.date | None
) -> int:
    """Replace ``table``'s rows for ``as_of`` with ``frame`` (whole table when as_of is None)."""
    frame = frame if as_of is None else frame.with_columns(as_of=pl.lit(as_of))
    con.register("incoming", frame)
    con.execute("begin transaction")
    try:
        con.execute(f"create table if not exists {table} as select * from incoming with no data")
        if as_of is None:
            con.execute(f"delete from {table}")
        else:
            con.execute(f"delete from {table} where as_of = ?", [as_of])
        con.execute(f"insert into {table} by name select * from incoming")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming")
    return frame.height
