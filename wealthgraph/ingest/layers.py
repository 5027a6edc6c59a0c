"""The three ingest layers of one landing source and batch (a day, or the whole reference file).

Every function replaces exactly its batch (delete, then insert, in one transaction), so running
a batch twice leaves the same rows, and a failure leaves the previous rows in place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from wealthgraph.ingest.lines import LandingFileError, read_lines
from wealthgraph.ingest.parse import typed_sql
from wealthgraph.landing import Source, source_path
from wealthgraph.sql import load_sql
from wealthgraph.warehouse import core_columns

__all__ = [
    "FileCounts",
    "LandingFileError",
    "build_core",
    "build_staging",
    "file_counts",
    "load_raw",
]


@dataclass(frozen=True)
class FileCounts:
    """Rows of one landing file: in = accepted + quarantined must hold."""

    file_name: str
    rows_in: int
    rows_accepted: int
    rows_quarantined: int

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows_accepted + self.rows_quarantined


def _batch(source: Source, day: dt.date | None) -> tuple[str, list]:
    if source.daily:
        if day is None:
            raise ValueError(f"{source.name} is a daily source: give the partition day")
        return "partition_date = ?", [day]
    return "true", []


def _replace(
    con: duckdb.DuckDBPyConnection,
    table: str,
    where: str,
    params: list,
    select: str,
    select_params: list | None = None,
) -> None:
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {table} where {where}", params)
        con.execute(f"insert into {table} by name {select}", select_params or [])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def load_raw(
    con: duckdb.DuckDBPyConnection, source: Source, landing: Path, day: dt.date | None = None
) -> int | None:
    """Load the file's lines into ``raw.<source>``; return the line count, or None if no file.

    Raises LandingFileError naming the file when it exists but cannot be read; the batch's
    previous rows are then left untouched.
    """
    path = source_path(landing, source, day)
    where, params = _batch(source, day)
    if not path.exists():
        if not source.daily:
            raise LandingFileError(f"{path}: reference file not found")
        con.execute(f"delete from raw.{source.name} where {where}", params)
        return None
    frame = read_lines(path)
    relative = str(path.relative_to(landing))
    select = (
        f"select ?::DATE as partition_date, '{relative}' as file_name, line_no, line from frame"
    )
    con.register("frame", frame)
    try:
        _replace(con, f"raw.{source.name}", where, params, select, [day])
    finally:
        con.unregister("frame")
    return frame.height


def build_staging(
    con: duckdb.DuckDBPyConnection, source: Source, day: dt.date | None = None
) -> None:
    """Type the batch's raw lines into ``staging.<source>``, each with its reject reason or null."""
    where, params = _batch(source, day)
    con.execute(
        f"create or replace temp table lines as select * from raw.{source.name} where {where}",
        params,
    )
    con.execute(f"create or replace temp view typed as {typed_sql(source)}")
    _replace(con, f"staging.{source.name}", where, params, load_sql("staging", source.name))
    con.execute("drop view typed")
    con.execute("drop table lines")


def build_core(con: duckdb.DuckDBPyConnection, source: Source, day: dt.date | None = None) -> None:
    """Copy the batch's accepted staging rows into ``core.<source>``."""
    where, params = _batch(source, day)
    columns = ", ".join(core_columns(source))
    select = f"select {columns} from staging.{source.name} where reject_reason is null and {where}"
    _replace(con, f"core.{source.name}", where, params, select, params)


def file_counts(
    con: duckdb.DuckDBPyConnection, source: Source, day: dt.date | None = None
) -> list[FileCounts]:
    """Rows in, accepted (in core) and quarantined (in staging) per file of the batch."""
    where, params = _batch(source, day)
    rows = con.execute(
        f"""
        with lines as (
            select file_name, count(*) as rows_in from raw.{source.name} where {where}
            group by all
        ),
        quarantined as (
            select file_name, count(*) as n from staging.{source.name}
            where reject_reason is not null and {where} group by all
        ),
        accepted as (select count(*) as n from core.{source.name} where {where})
        select l.file_name, l.rows_in, (select n from accepted), coalesce(q.n, 0)
        from lines l left join quarantined q using (file_name)
        order by l.file_name
        """,
        params * 3,
    ).fetchall()
    return [FileCounts(*row) for row in rows]
