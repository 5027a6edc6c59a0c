"""The three ingest layers of one landing source, for a batch of days (or the reference file).

Every function replaces exactly its batch (delete, then insert, in one transaction), so running
a batch twice leaves the same rows, and a failure leaves the previous rows in place. Many days
go through in one set of statements: per-day statements cost more than the data at small scale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from wealthgraph.ingest.lines import LandingFileError, read_lines
from wealthgraph.ingest.parse import typed_sql
from wealthgraph.landing import DAILY_SOURCES, REFERENCE_SOURCES, Source, source_path
from wealthgraph.sql import load_sql
from wealthgraph.warehouse import core_columns

# a batch holds at most this many compressed bytes of landing files (~10x that in memory)
BATCH_BYTES = 64 * 2**20

Days = list[dt.date] | None  # None: a reference source (one file, no partitions)


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


def _batch(source: Source, days: Days) -> tuple[str, list]:
    if not source.daily:
        return "true", []
    if not days:
        raise ValueError(f"{source.name} is a daily source: give the partition days")
    return "partition_date in (select unnest(?::DATE[]))", [days]


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


def batches(landing: Path, source: Source, days: list[dt.date]) -> Iterator[list[dt.date]]:
    """Split ``days`` into batches of at most BATCH_BYTES of landing files each."""
    batch: list[dt.date] = []
    size = 0
    for day in days:
        path = source_path(landing, source, day)
        file_size = path.stat().st_size if path.exists() else 0
        if batch and size + file_size > BATCH_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(day)
        size += file_size
    if batch:
        yield batch


def load_raw(
    con: duckdb.DuckDBPyConnection, source: Source, landing: Path, days: Days = None
) -> dict[str, int]:
    """Load the batch's files into ``raw.<source>``; return lines per file read.

    A day without a file has no rows afterwards. Raises LandingFileError naming the file when
    one exists but cannot be read; the batch's previous rows are then left untouched.
    """
    frames = []
    for day in days or [None]:
        path = source_path(landing, source, day)
        if not path.exists():
            if not source.daily:
                raise LandingFileError(f"{path}: reference file not found")
            continue
        frames.append(
            read_lines(path).with_columns(
                partition_date=pl.lit(day, dtype=pl.Date),
                file_name=pl.lit(str(path.relative_to(landing))),
            )
        )
    where, params = _batch(source, days)
    frame = pl.concat(frames) if frames else None
    if frame is None:
        con.execute(f"delete from raw.{source.name} where {where}", params)
        return {}
    con.register("frame", frame)
    try:
        select = "select partition_date, file_name, line_no, line from frame"
        _replace(con, f"raw.{source.name}", where, params, select)
    finally:
        con.unregister("frame")
    return dict(frame.group_by("file_name", maintain_order=True).len().iter_rows())


def build_staging(con: duckdb.DuckDBPyConnection, source: Source, days: Days = None) -> None:
    """Type the batch's raw lines into ``staging.<source>``, each with its reject reason or null."""
    where, params = _batch(source, days)
    con.execute(
        f"create or replace temp table lines as select * from raw.{source.name} where {where}",
        params,
    )
    con.execute(f"create or replace temp view typed as {typed_sql(source)}")
    _replace(con, f"staging.{source.name}", where, params, load_sql("staging", source.name))
    con.execute("drop view typed")
    con.execute("drop table lines")


def build_core(con: duckdb.DuckDBPyConnection, source: Source, days: Days = None) -> None:
    """Copy the batch's accepted staging rows into ``core.<source>``."""
    where, params = _batch(source, days)
    columns = ", ".join(core_columns(source))
    select = f"select {columns} from staging.{source.name} where reject_reason is null and {where}"
    _replace(con, f"core.{source.name}", where, params, select, params)


def file_counts(
    con: duckdb.DuckDBPyConnection, source: Source, days: Days = None
) -> list[FileCounts]:
    """Rows in (raw), accepted (core) and quarantined (staging) per file of the batch."""
    where, params = _batch(source, days)
    rows = con.execute(
        f"""
        with lines as (
            select partition_date, file_name, count(*) as rows_in
            from raw.{source.name} where {where} group by all
        ),
        checked as (
            select partition_date, count(*) filter (where reject_reason is not null) as rejected
            from staging.{source.name} where {where} group by all
        ),
        accepted as (
            select {"partition_date" if source.daily else "null::date as partition_date"},
                count(*) as accepted
            from core.{source.name} where {where} group by all
        )
        select lines.file_name, lines.rows_in, coalesce(accepted.accepted, 0),
            coalesce(checked.rejected, 0)
        from lines
        left join checked on checked.partition_date is not distinct from lines.partition_date
        left join accepted on accepted.partition_date is not distinct from lines.partition_date
        order by lines.file_name
        """,
        params * 3,
    ).fetchall()
    return [FileCounts(*row) for row in rows]


def ingest_landing(
    con: duckdb.DuckDBPyConnection, landing: Path, days: list[dt.date]
) -> list[FileCounts]:
    """All three layers for every reference source, then every daily source over ``days``.

    The same steps the Dagster assets run, in dependency order, for tests and benchmarks.
    """
    counts: list[FileCounts] = []
    for source in REFERENCE_SOURCES:
        load_raw(con, source, landing)
        build_staging(con, source)
        build_core(con, source)
        counts += file_counts(con, source)
    for source in DAILY_SOURCES:
        for batch in batches(landing, source, days):
            load_raw(con, source, landing, batch)
            build_staging(con, source, batch)
            build_core(con, source, batch)
            counts += file_counts(con, source, batch)
    return counts
