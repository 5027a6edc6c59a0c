"""The DuckDB warehouse: connecting, and the layered schemas every asset writes into."""

from __future__ import annotations

from pathlib import Path

import duckdb

from wealthgraph import landing
from wealthgraph.landing import Source

SCHEMAS = ("raw", "staging", "core", "quality", "graph", "features", "marts")
# bookkeeping columns every raw and staging row carries, so a bad row can be found in its file
LINE_COLUMNS = {"partition_date": "DATE", "file_name": "VARCHAR", "line_no": "INTEGER"}


def connect(database: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating its folder and schemas when writable."""
    if not read_only and str(database) != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database), read_only=read_only)
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
    con.execute(
        "create or replace table core.event_types "
        "(event_type VARCHAR primary key, target_kind VARCHAR, amount_required BOOLEAN)"
    )
    con.executemany(
        "insert into core.event_types values (?, ?, ?)",
        [(name, kind, amount) for name, (kind, amount) in landing.EVENT_TYPES.items()],
    )
    con.execute("create or replace table core.enums (domain VARCHAR, value VARCHAR)")
    con.executemany(
        "insert into core.enums values (?, ?)",
        [(domain, value) for domain, values in landing.ENUMS.items() for value in values],
    )
