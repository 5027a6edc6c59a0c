"""The three ingest layers of one landing source, for a batch of days (or the reference file).

A batch is read once and written once. Its files are decompressed and cut into lines in
Python (lines.py); Arrow's JSON reader types the well-formed lines in bulk (bulk.py) and SQL
types any other line (parse.py); DuckDB applies the source's rules (``sql/staging/<source>.sql``,
completed by rules.py) and one transaction replaces the batch's rows in

- ``raw.landed_files``: one row per file, its line count (``rows_in``);
- ``raw.<source>``: one row per rejected line (file, line number, the line's bytes);
- ``staging.<source>``: one row per rejected line with its reject reason, typed fields and text;
- ``core.<source>``: the accepted rows.

Accepted lines get no raw or staging row: they are in core, typed, and the landing file stays
the source of truth, so writing them twice more only cost time (13% of ingest's, docs/scaling.md).
Per file, rows in (``raw.landed_files``) = accepted (core) + quarantined (staging) still holds
and is recomputed from the tables (``file_counts``, ``quality.ingest_audit``). Running a batch
twice leaves the same rows, and a failure (an unreadable file, an error in SQL) leaves the
previous rows in place. Batches hold BATCH_BYTES of compressed files, so memory stays bounded
at any scale, and the next batch is read while DuckDB writes the current one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from wealthgraph.ingest.bulk import BulkLines, bulk_schema, decimal_scale, read_bulk
from wealthgraph.ingest.lines import (
    LandingFileError,
    line_offsets,
    read_files,
    split_lines,
    without_newline,
)
from wealthgraph.ingest.parse import bulk_typed_sql, typed_sql
from wealthgraph.ingest.rules import staging_sql
from wealthgraph.landing import DAILY_SOURCES, REFERENCE_SOURCES, Source, source_path
from wealthgraph.warehouse import core_columns

# a batch holds at most this many compressed bytes of landing files (~20x that in memory: text,
# Arrow columns, DuckDB's work), and the next batch is read meanwhile; at 1M users that is a day
# of events or snapshots. Larger batches did not run faster.
BATCH_BYTES = 16 * 2**20

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


@dataclass(frozen=True)
class LandedFile:
    """One landing file, read: every line, and what the bulk reader typed of them."""

    day: dt.date | None
    file_name: str  # relative to the landing folder
    lines: pa.Table  # line_no, line (see lines.split_lines)
    bulk: BulkLines | None  # None: the source is typed by SQL only


@dataclass(frozen=True)
class LandedBatch:
    """The files of one batch of days (or the reference file), read."""

    source: Source
    days: Days
    files: list[LandedFile]

    @property
    def lines(self) -> int:
        return sum(f.lines.num_rows for f in self.files)


def _batch(source: Source, days: Days) -> tuple[str, list]:
    if not source.daily:
        return "true", []
    if not days:
        raise ValueError(f"{source.name} is a daily source: give the partition days")
    return "partition_date in (select unnest(?::DATE[]))", [days]


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


def read_batch(landing: Path, source: Source, days: Days = None) -> LandedBatch:
    """Read the batch's files (a day without a file is skipped) and type what Arrow can.

    Raises LandingFileError naming the file when one exists but cannot be read, or when a
    reference file is missing.
    """
    _batch(source, days)
    found: list[tuple[dt.date | None, Path]] = []
    for day in days or [None]:
        path = source_path(landing, source, day)
        if path.exists():
            found.append((day, path))
        elif not source.daily:
            raise LandingFileError(f"{path}: reference file not found")
    schema = bulk_schema(source)
    decimals = {
        name: scale
        for name, kind in source.fields.items()
        if (scale := decimal_scale(kind)) is not None
    }
    files = []
    for (day, path), data in zip(found, read_files([p for _, p in found]), strict=True):
        offsets = line_offsets(data)
        bulk = read_bulk(data, offsets, schema, decimals) if schema is not None else None
        lines = split_lines(data, offsets)
        files.append(LandedFile(day, str(path.relative_to(landing)), lines, bulk))
    return LandedBatch(source, days, files)


def _file_names(landed: LandedBatch) -> str:
    """SQL: the file name of a row of the batch, from its ``row_id`` (the file is row_id >> 32)."""
    names = " ".join(
        f"when {file_no} then '{f.file_name.replace(chr(39), chr(39) * 2)}'"
        for file_no, f in enumerate(landed.files)
    )
    return f"case row_id >> 32 {names} end"


def _bulk_rows(landed: LandedBatch) -> pa.Table | None:
    """The bulk reader's rows of every file of the batch as one Arrow table, with the
    bookkeeping columns ``row_id`` and ``partition_date`` (None: no file was read in bulk).

    One table, not one per file: DuckDB scans one Arrow table three times as fast as a union
    of one scan per file.
    """
    tables = []
    for file_no, landed_file in enumerate(landed.files):
        if landed_file.bulk is None:
            continue
        typed = landed_file.bulk.typed
        rows = typed.num_rows
        row_id = (np.int64(file_no) << 32) + typed["line_no"].to_numpy().astype(np.int64)
        day = landed_file.day
        partition_date = (
            pa.array(np.full(rows, np.datetime64(day, "D")), pa.date32())
            if day
            else pa.nulls(rows, pa.date32())
        )
        typed = typed.append_column("row_id", pa.array(row_id))
        tables.append(typed.append_column("partition_date", partition_date))
    return pa.concat_tables(tables) if tables else None


def _lines_of(landed: LandedBatch, row_ids: np.ndarray) -> pa.Table:
    """row_id and line (the landed bytes, newline included) of the given rows of the batch."""
    tables = []
    for file_no, landed_file in enumerate(landed.files):
        ids = row_ids[(row_ids >> 32) == file_no]
        if len(ids):
            line = landed_file.lines["line"].take(pa.array((ids & 0xFFFFFFFF) - 1))
            tables.append(pa.table({"row_id": pa.array(ids, pa.int64()), "line": line}))
    if not tables:
        return pa.table(
            {"row_id": pa.array([], pa.int64()), "line": pa.array([], pa.large_binary())}
        )
    return pa.concat_tables(tables)


@contextmanager
def _arrow(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> Iterator[None]:
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            con.unregister(name)


@contextmanager
def _typed(con: duckdb.DuckDBPyConnection, landed: LandedBatch) -> Iterator[None]:
    """Temp view ``typed``: one row per line of the batch, typed, with its first problem (the
    file name is left to the rejected lines, see _file_names).

    From the bulk reader's Arrow rows where it could read the line (one Arrow table, scanned
    in place: see _bulk_rows), else from SQL over the line (temp table ``typed_rest``).
    Materializing the view as a temp table, read by the rules, the rejected lines and core,
    ran no faster at 100k users (38.8-41.0 s vs 37.6-39.7 s for every source) and took more
    memory (1.8 GB vs 1.6 GB at peak).
    """
    source = landed.source
    rest_ids = []
    for file_no, landed_file in enumerate(landed.files):
        if landed_file.bulk is None:
            rest = np.arange(1, landed_file.lines.num_rows + 1, dtype=np.int64)
        else:
            rest = landed_file.bulk.rest.astype(np.int64)
        rest_ids.append((np.int64(file_no) << 32) + rest)
    arrow = {"rest_lines": _lines_of(landed, np.concatenate(rest_ids))}
    bulk = _bulk_rows(landed)
    if bulk is not None:
        arrow["bulk_rows"] = bulk
    # the day of a rest line from row_id: the file is row_id >> 32
    day_of = " ".join(
        f"when {file_no} then " + (f"date '{f.day.isoformat()}'" if f.day else "null::date")
        for file_no, f in enumerate(landed.files)
    )
    with _arrow(con, arrow):
        try:
            con.execute(
                f"""
                create or replace temp view rest as
                select
                    case row_id >> 32 {day_of} end as partition_date,
                    (row_id & 4294967295)::integer as line_no,
                    row_id,
                    line
                from rest_lines
                """
            )
            con.execute(f"create or replace temp table typed_rest as {typed_sql(source, 'rest')}")
            typed = ["select * from typed_rest"]
            if bulk is not None:
                typed.insert(0, bulk_typed_sql(source, "bulk_rows"))
            con.execute(f"create or replace temp view typed as {' union all by name '.join(typed)}")
            yield
        finally:
            con.execute("drop view if exists typed")
            con.execute("drop view if exists rest")
            con.execute("drop table if exists typed_rest")


def _create_rejected(con: duckdb.DuckDBPyConnection, landed: LandedBatch) -> None:
    """Temp table ``rejected``: the batch's rejected lines in full (typed fields, reject reason,
    landed bytes and text), from the source's rules over view ``typed``."""
    source = landed.source
    sql = staging_sql(source)
    params = {}
    if "$low_id" in sql:
        # the batch's key range as constants: a join filter would do the same, but DuckDB
        # cannot push join filters into Arrow scans (see _settings)
        key = source.key[0]
        low, high = con.execute(f"select min({key}), max({key}) from typed").fetchone()
        params = {"low_id": low, "high_id": high}
    con.execute(
        f"""
        create or replace temp table checked as
        select row_id, reject_reason
        from ({sql})
        where reject_reason is not null
        """,
        params,
    )
    row_ids = np.asarray(
        con.execute("select row_id from checked").fetchnumpy()["row_id"], dtype=np.int64
    )
    with _arrow(con, {"rejected_lines": _lines_of(landed, row_ids)}):
        con.execute(
            f"""
            create or replace temp table rejected as
            with landed as (
                select row_id, {without_newline("line")} as line from rejected_lines
            )
            select
                typed.* exclude (problem),
                {_file_names(landed)} as file_name,
                checked.reject_reason,
                landed.line,
                coalesce(try(decode(landed.line)), landed.line::varchar) as line_text
            from typed
            left join checked using (row_id)
            left join landed using (row_id)
            where checked.row_id is not null{"" if len(row_ids) else " and false"}
            """
        )
    con.execute("drop table checked")


def _delete_batch(con: duckdb.DuckDBPyConnection, source: Source, days: Days) -> None:
    """Delete the batch's rows from every layer (inside the caller's transaction)."""
    where, params = _batch(source, days)
    for layer in ("raw", "staging", "core"):
        con.execute(f"delete from {layer}.{source.name} where {where}", params)
    con.execute(
        f"delete from raw.landed_files where source = ? and {where}", [source.name, *params]
    )


def _write(con: duckdb.DuckDBPyConnection, landed: LandedBatch) -> None:
    """Replace the batch's rows in every layer from temp tables typed and rejected."""
    source = landed.source
    name = source.name
    any_rejected = con.execute("select exists (from rejected)").fetchone()[0]
    fields = ", ".join(f'"{field}"' for field in source.fields)
    core = ", ".join(f'"{column}"' for column in core_columns(source))
    files = pa.table(
        {
            "source": pa.array([name] * len(landed.files), pa.string()),
            "partition_date": pa.array([f.day for f in landed.files], pa.date32()),
            "file_name": pa.array([f.file_name for f in landed.files], pa.string()),
            "rows_in": pa.array([f.lines.num_rows for f in landed.files], pa.int64()),
        }
    )
    with _arrow(con, {"batch_files": files}):
        con.execute("begin transaction")
        try:
            _delete_batch(con, source, landed.days)
            accepted = "typed anti join rejected using (row_id)" if any_rejected else "typed"
            con.execute(f"insert into core.{name} by name select {core} from {accepted}")
            if any_rejected:
                con.execute(
                    f"""
                    insert into staging.{name} by name
                    select partition_date, file_name, line_no, line_text, {fields}, reject_reason
                    from rejected
                    """
                )
                con.execute(
                    f"""
                    insert into raw.{name} by name
                    select partition_date, file_name, line_no, line from rejected
                    """
                )
            con.execute("insert into raw.landed_files by name select * from batch_files")
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise


def write_batch(con: duckdb.DuckDBPyConnection, landed: LandedBatch) -> None:
    """Type and check the batch's lines, then replace its rows in every layer.

    A day of the batch without a file has no rows and no line count afterwards.
    """
    try:
        if landed.files:
            with _settings(con), _typed(con, landed):
                _create_rejected(con, landed)
                _write(con, landed)
        else:
            con.execute("begin transaction")
            try:
                _delete_batch(con, landed.source, landed.days)
                con.execute("commit")
            except Exception:
                con.execute("rollback")
                raise
    finally:
        for table in ("checked", "rejected"):
            con.execute(f"drop table if exists {table}")


def file_counts(
    con: duckdb.DuckDBPyConnection, source: Source, days: Days = None
) -> list[FileCounts]:
    """Per file of the batch: lines in (raw.landed_files), accepted (core) and quarantined
    (staging)."""
    where, params = _batch(source, days)
    day = "partition_date" if source.daily else "null::date as partition_date"
    rows = con.execute(
        f"""
        with files as (
            select partition_date, file_name, rows_in
            from raw.landed_files where source = ? and {where}
        ),
        quarantined as (
            select partition_date, count(*) as quarantined
            from staging.{source.name} where {where} group by all
        ),
        accepted as (
            select {day}, count(*) as accepted
            from core.{source.name} where {where} group by all
        )
        select files.file_name, files.rows_in, coalesce(accepted.accepted, 0),
            coalesce(quarantined.quarantined, 0)
        from files
        left join quarantined
            on quarantined.partition_date is not distinct from files.partition_date
        left join accepted on accepted.partition_date is not distinct from files.partition_date
        order by files.file_name
        """,
        [source.name, *params, *params, *params],
    ).fetchall()
    return [FileCounts(*row) for row in rows]


@contextmanager
def _settings(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB settings for writing batches; the previous ones are restored afterwards.

    - ``preserve_insertion_order = false``: DuckDB then writes a table on every core. Nothing
      reads ingest tables in insertion order (a line is named by file and line number).
    - ``build_side_probe_side`` off: the planner sees an Arrow scan as one row, so it would
      build hash tables on the batch's lines instead of the lookup side. The rules are written
      with the batch on the left of every join and lookups on the right, and stay that way.
    - ``join_filter_pushdown`` off: DuckDB pushes a join's bloom filter into the scan of the
      batch's Arrow tables, which PyArrow scans do not support (duckdb-python#463): a file
      with a repeated key and a blank line then failed its whole source.
    """
    kept = con.execute(
        "select current_setting('preserve_insertion_order'), current_setting('disabled_optimizers')"
    ).fetchone()
    disabled = ",".join(filter(None, [kept[1], "build_side_probe_side", "join_filter_pushdown"]))
    con.execute("set preserve_insertion_order = false")
    con.execute(f"set disabled_optimizers = '{disabled}'")
    try:
        yield
    finally:
        con.execute(f"set preserve_insertion_order = {str(kept[0]).lower()}")
        con.execute(f"set disabled_optimizers = '{kept[1]}'")


def ingest_batches(
    con: duckdb.DuckDBPyConnection, source: Source, landing: Path, days_batches: Iterable[Days]
) -> Iterator[LandedBatch]:
    """write_batch for each batch in turn, reading the next batch's files meanwhile.

    Yields each batch once it is written (its tables hold its lines until the next one).
    """
    with ThreadPoolExecutor(max_workers=1) as reader:
        pending = None
        for days in days_batches:
            upcoming = reader.submit(read_batch, landing, source, days)
            if pending is not None:
                landed = pending.result()
                write_batch(con, landed)
                yield landed
            pending = upcoming
        if pending is not None:
            landed = pending.result()
            write_batch(con, landed)
            yield landed


def ingest_source(
    con: duckdb.DuckDBPyConnection, source: Source, landing: Path, days: Days = None
) -> list[FileCounts]:
    """Every layer of one source: the reference file, or ``days`` in batches of BATCH_BYTES."""
    counts: list[FileCounts] = []
    if not source.daily:
        days_batches: list[Days] = [None]
    elif days:
        days_batches = list(batches(landing, source, days))
    else:
        return counts
    for landed in ingest_batches(con, source, landing, days_batches):
        counts += file_counts(con, source, landed.days)
    return counts


def ingest_landing(
    con: duckdb.DuckDBPyConnection, landing: Path, days: list[dt.date]
) -> list[FileCounts]:
    """Every reference source, then every daily source over ``days``.

    The same steps the Dagster assets run, in dependency order, for tests and benchmarks.
    """
    counts: list[FileCounts] = []
    for source in (*REFERENCE_SOURCES, *DAILY_SOURCES):
        counts += ingest_source(con, source, landing, days if source.daily else None)
    return counts
