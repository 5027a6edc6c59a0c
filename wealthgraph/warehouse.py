"""The DuckDB warehouse: connecting, and the layered schemas every asset writes into."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from wealthgraph import landing
from wealthgraph.landing import Source
from wealthgraph.locks import WarehouseLockedError
from wealthgraph.settings import env_number

SCHEMAS = ("raw", "staging", "core", "quality", "graph", "features", "recommend", "marts")
# bookkeeping columns every raw and staging row carries, so a bad row can be found in its file
LINE_COLUMNS = {"partition_date": "DATE", "file_name": "VARCHAR", "line_no": "INTEGER"}
# raw.landed_files: the line count of every ingested file, which rows in = accepted (core) +
# quarantined (staging) is proved against, since raw and staging keep rejected lines only
LANDED_FILES = {
    "source": "VARCHAR",
    "partition_date": "DATE",
    "file_name": "VARCHAR",
    "rows_in": "BIGINT",
}


def memory_limit() -> str:
    """DuckDB's memory limit: ``WEALTHGRAPH_MEMORY_LIMIT`` (a DuckDB size such as ``6GB``), or
    a quarter of the machine's memory.

    DuckDB's own default, 80%, leaves too little to the polars, numpy and implicit work in the
    same process; past the limit DuckDB spills its joins and aggregates to disk instead. At 1M
    customers on 24 GB a quarter kept the run's peak at 7.9 GB (a third: 9.6 GB), while a sixth
    ran out: DuckDB cannot spill the per-customer lists wealth_summary, topics and social_map
    aggregate (docs/scaling.md).
    """
    if limit := os.environ.get("WEALTHGRAPH_MEMORY_LIMIT"):
        return limit
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{machine // 4 // 2**20}MB"


LOCK_WAIT_ENV = "WEALTHGRAPH_LOCK_WAIT"
LOCK_WAIT_SECONDS = 120.0
# DuckDB: 'Could not set lock on file "...": Conflicting lock is held in <program> (PID n)'
_LOCK_CONFLICT = re.compile(r"Could not set lock on file")
_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")


def lock_wait() -> float:
    """How long to wait for another process's lock on the warehouse file, in seconds:
    ``WEALTHGRAPH_LOCK_WAIT`` (default 120; 0 = fail at once)."""
    return env_number(LOCK_WAIT_ENV, LOCK_WAIT_SECONDS, 0.0, unit=" of seconds")


def connect(database: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating its folder and schemas when writable.

    If another process holds the file (an analyst's connection, or a run writing it), wait up
    to ``lock_wait()`` seconds for it, then raise WarehouseLockedError.
    """
    if not read_only and str(database) != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    con = _open(database, read_only)
    if not read_only:
        ensure_schemas(con)
    return con


def _open(database: Path | str, read_only: bool) -> duckdb.DuckDBPyConnection:
    config = {"memory_limit": memory_limit()}
    try:
        return duckdb.connect(str(database), read_only=read_only, config=config)
    except duckdb.IOException as error:
        if not _LOCK_CONFLICT.search(str(error)):
            raise
        holder = _holder_pid(error)
    return _wait_and_open(database, read_only, config, holder)


def _wait_and_open(
    database: Path | str, read_only: bool, config: dict, holder: int | None
) -> duckdb.DuckDBPyConnection:
    """Retry, with growing pauses, until the other process lets go or the wait is over."""
    wait = lock_wait()
    if wait == 0:
        raise WarehouseLockedError(
            _still_locked(database, read_only, holder, f"({LOCK_WAIT_ENV}=0: not waiting)")
        )
    if holder == os.getpid():  # waiting for ourselves would never end
        raise WarehouseLockedError(
            _still_locked(database, read_only, holder, "(this process: not waiting)")
        )
    who = f"PID {holder}, " if holder else ""
    example = "a pipeline run" if read_only else "an analyst's connection"
    print(
        f"warehouse {database} is locked by another process ({who}e.g. {example}); "
        f"waiting up to {wait:g} s ({LOCK_WAIT_ENV})",
        file=sys.stderr,
        flush=True,
    )
    started = time.monotonic()
    pause = 0.5
    while True:
        time.sleep(max(0.0, min(pause, started + wait - time.monotonic())))
        pause = min(pause * 2, 2.0)
        try:
            con = duckdb.connect(str(database), read_only=read_only, config=config)
        except duckdb.IOException as error:
            if not _LOCK_CONFLICT.search(str(error)):
                raise
            holder = _holder_pid(error) or holder
            if time.monotonic() - started >= wait:
                # not chained: the step's root cause should be this line, not DuckDB's
                raise WarehouseLockedError(
                    _still_locked(database, read_only, holder, f"after {wait:g} s")
                ) from None
            continue
        print(
            f"warehouse free again after {time.monotonic() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        return con


def _holder_pid(error: duckdb.IOException) -> int | None:
    match = _LOCK_HOLDER.search(str(error))
    return int(match.group(1)) if match else None


def _still_locked(database: Path | str, read_only: bool, holder: int | None, after: str) -> str:
    """One line: who holds the warehouse, and what to do about it."""
    from wealthgraph.publish import DATABASE_NAME

    database = Path(database)
    # where Settings.published puts the copy readers should open instead
    published = database.parent / f"{database.stem}.published" / "current" / DATABASE_NAME
    by = f"PID {holder}" if holder else "another process"
    if read_only:
        return (
            f"warehouse {database} is still being written by {by} {after}: open the published "
            f"copy instead ({published}) or raise {LOCK_WAIT_ENV}"
        )
    return (
        f"warehouse {database} is still locked by {by} {after}: close that connection "
        f"(readers should open the published copy: {published}) or raise {LOCK_WAIT_ENV}"
    )


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
    if not table_exists(con, "raw.landed_files"):
        _add_landed_files(con)
    # the key of each reference source's last ingest (wealthgraph.ingest.unchanged)
    con.execute(
        "create table if not exists raw.reference_keys (source VARCHAR, content_key VARCHAR)"
    )
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


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``schema.table`` is in the connection's current database."""
    return bool(table_columns(con, table))


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns of ``schema.table`` in the current database, in order (empty: no table)."""
    schema, name = table.split(".")
    return [
        row[0]
        for row in con.execute(
            "select column_name from duckdb_columns() where database_name = current_database() "
            "and schema_name = ? and table_name = ? order by column_index",
            [schema, name],
        ).fetchall()
    ]


def _add_landed_files(con: duckdb.DuckDBPyConnection) -> None:
    """Create raw.landed_files. A warehouse written when raw and staging held a row for every
    line gets its files' line counts from raw, and loses the rows of its accepted lines there
    and in staging, so that its earlier days balance as the days ingested from now on do."""
    con.execute("begin transaction")
    try:
        con.execute(f"create table raw.landed_files ({_columns(LANDED_FILES)})")
        for name in landing.SOURCES:
            con.execute(
                f"""
                insert into raw.landed_files by name
                select '{name}' as source, partition_date, file_name, count(*) as rows_in
                from raw.{name} group by partition_date, file_name
                """
            )
            con.execute(f"delete from raw.{name} where line is null")
            con.execute(f"delete from staging.{name} where reject_reason is null")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def latest_day(con: duckdb.DuckDBPyConnection, until: dt.date | None = None) -> dt.date:
    """The as-of date of derived tables: the last day up to the run date ``until`` with
    accepted events, or with snapshots or transactions for sources that have no app events (a
    bank's own records).

    ``until`` is the run date its launcher chose (pipelines.partitions.run_as_of); rows after
    it (a day ingested by an earlier run with a later date) never move the tables forward.
    """
    day = con.execute(
        """
        select coalesce(
            (select max(partition_date) from core.events where partition_date <= $until),
            greatest(
                (select max(partition_date) from core.snapshots where partition_date <= $until),
                (select max(partition_date) from core.transactions where partition_date <= $until)
            )
        )
        """,
        {"until": until or dt.date.max},
    ).fetchone()[0]
    if day is None:
        raise RuntimeError("no events, snapshots or transactions ingested yet: nothing to build")
    return day


KEEP_DAYS_ENV = "WEALTHGRAPH_KEEP_DAYS"
KEEP_DAYS = 35


def keep_days() -> int:
    """How many days back a table kept by run date holds every day's slice; before that only
    each month's last: ``WEALTHGRAPH_KEEP_DAYS`` (default 35, at least 1)."""
    return env_number(KEEP_DAYS_ENV, KEEP_DAYS, 1)


def prune_slices(con: duckdb.DuckDBPyConnection, table: str, as_of: dt.date) -> None:
    """Drop ``table``'s slices more than ``keep_days()`` before ``as_of`` except the last slice
    of each month, so a table written every day holds about a month of days and a month-end
    per month of history, not a slice per day forever."""
    con.execute(
        f"""
        delete from {table}
        where as_of < $as_of::date - to_days($keep)
            and as_of not in (select max(as_of) from {table} group by date_trunc('month', as_of))
        """,
        {"as_of": as_of, "keep": keep_days()},
    )


def write_slice(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, as_of: dt.date | None
) -> int:
    """Replace ``table``'s rows for ``as_of`` with ``frame`` (whole table when as_of is None),
    dropping the slices past their keep (:func:`prune_slices`)."""
    frame = frame if as_of is None else frame.with_columns(as_of=pl.lit(as_of))

    def clear() -> None:
        if as_of is None:
            con.execute(f"delete from {table}")
        else:
            con.execute(f"delete from {table} where as_of = ?", [as_of])
            prune_slices(con, table, as_of)

    return _replace_rows(con, table, frame, clear)


def write_days(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pl.DataFrame,
    day_column: str,
    first: dt.date,
    last: dt.date,
) -> int:
    """Replace the days ``first`` .. ``last`` of a table kept per day with ``frame``'s rows, in
    one transaction: the Python-built twin of :func:`wealthgraph.sql.build_days`."""

    def clear() -> None:
        con.execute(f"delete from {table} where {day_column} between ? and ?", [first, last])

    return _replace_rows(con, table, frame, clear)


def _replace_rows(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, clear: Callable[[], None]
) -> int:
    """In one transaction: create ``table`` from ``frame``'s shape if new, ``clear()`` the rows
    ``frame`` replaces, insert ``frame``."""
    con.register("incoming", frame)
    con.execute("begin transaction")
    try:
        con.execute(f"create table if not exists {table} as select * from incoming with no data")
        clear()
        con.execute(f"insert into {table} by name select * from incoming")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming")
    return frame.height


# columns that record when a row was made or how long it took: they differ between any two runs
VOLATILE_COLUMNS = frozenset(
    {"generated_at", "published_at", "surveyed_at", "computed_at", "seconds"}
)


def content_hash(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int]:
    """(rows, an order-free hash of the rows' content) of ``table``.

    The hash is a sum of row hashes, so tables written in another order match, and the hashes
    of a table's parts (its shards) add up to the whole's. Volatile columns are left out;
    doubles count to 9 decimals, since parallel sums differ in their last bits between runs.
    """
    schema, name = table.split(".")
    columns = [
        f'round("{c}", 9)' if kind in ("DOUBLE", "FLOAT") else f'"{c}"'
        for c, kind in con.execute(
            "select column_name, data_type from duckdb_columns() where schema_name = ? "
            "and table_name = ? and database_name = current_database() order by column_index",
            [schema, name],
        ).fetchall()
        if c not in VOLATILE_COLUMNS
    ]
    rows, digest = con.execute(
        f"select count(*), coalesce(sum(hash(row({', '.join(columns)}))::hugeint), 0) from {table}"
    ).fetchone()
    return rows, int(digest)
