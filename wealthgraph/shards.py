"""Customer shards: which shard a customer lives in, the same in Python, DuckDB and Spark.

A customer's shard is the first 8 hex digits of the MD5 of their id, as an unsigned number,
modulo the number of shards. MD5 is in every engine's standard library (Python's hashlib,
DuckDB's ``md5``, Spark's ``md5``), is stable across versions and machines (unlike DuckDB's
``hash`` or Python's ``hash``), and spreads ids evenly; nothing here needs it to be secret.

>>> shard_of("C0000001", 4)
1
>>> [shard_of(f"C{i:07d}", 4) for i in range(1, 9)]
[1, 1, 2, 1, 2, 3, 0, 1]
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from pathlib import Path

import duckdb
import polars as pl

from wealthgraph import landing as landing_lib


def shard_of(customer_id: str, shards: int) -> int:
    """The shard (0 .. shards - 1) of one customer id."""
    if shards < 1:
        raise ValueError(f"shards must be at least 1, not {shards}")
    return int(hashlib.md5(customer_id.encode("utf-8")).hexdigest()[:8], 16) % shards


def shard_sql(column: str, shards: int) -> str:
    """The same as a DuckDB expression over ``column`` (an id column or expression)."""
    if shards < 1:
        raise ValueError(f"shards must be at least 1, not {shards}")
    return f"(('0x' || left(md5({column}), 8))::ubigint % {int(shards)})"


def shard_spark(column: str, shards: int) -> str:
    """The same as a Spark SQL expression over ``column``."""
    if shards < 1:
        raise ValueError(f"shards must be at least 1, not {shards}")
    return f"(cast(conv(substr(md5({column}), 1, 8), 16, 10) as bigint) % {int(shards)})"


# the contract tables built on the shards, each shard holding its customers' rows
SHARDED_TABLES = (
    "marts.user_profile",
    "marts.recommendations",
    "marts.social_map",
    "marts.wealth_summary",
    "marts.wealth_history",
    "marts.wealth_advice",
)


def shard_views(con: duckdb.DuckDBPyConnection, shards_dir: Path) -> list[str]:
    """Views named like the sharded tables over every shard's published Parquet, so an analyst
    queries all shards as one table: the latest version of each (``current``), every slice of
    a table kept by run date. Returns the views made."""
    made = []
    for table in SHARDED_TABLES:
        published = shards_dir / "shard-*.published" / "current" / "parquet"
        sliced = any(shards_dir.glob(f"shard-*.published/current/parquet/{table}/"))
        files = published / table / "*.parquet" if sliced else published / f"{table}.parquet"
        schema = table.split(".")[0]
        con.execute(f"create schema if not exists {schema}")
        con.execute(f"create or replace view {table} as select * from read_parquet('{files}')")
        made.append(table)
    return made


# the column that names the customer a daily landing row belongs to
CUSTOMER_FIELD = {"events": "user_id", "snapshots": "customer_id", "transactions": "customer_id"}


def split_day(landing: Path, source: str, day: dt.date, shards: int, out: Path) -> dict[int, int]:
    """Split one landed day's file by customer shard into ``<out>/shard-<k>/<source>/<day>``;
    returns rows per shard.

    Lines are copied byte for byte (DuckDB's ``read_json_objects`` hands back each line's own
    text), so a shard's file is what would have landed had the bank sent that shard alone. A
    line that is not JSON, or names no customer, goes to shard 0, where ingest quarantines it
    with its reason: a split never loses a row.
    """
    src = landing_lib.source_path(landing, landing_lib.SOURCES[source], day)
    if not src.exists():
        raise FileNotFoundError(f"no {source} file for {day} in {landing}")
    field = CUSTOMER_FIELD[source]
    with duckdb.connect() as con:
        con.register("lines", pl.DataFrame({"line": _lines(src)}))
        frame = con.execute(
            f"""
            select line, coalesce(
                {shard_sql(f"try(json_extract_string(line, '$.{field}'))", shards)}, 0
            ) as shard
            from lines
            """
        ).pl()
    counts = {}
    for k in range(shards):
        target = landing_lib.source_path(out / f"shard-{k}", landing_lib.SOURCES[source], day)
        target.parent.mkdir(parents=True, exist_ok=True)
        mine = frame.filter(pl.col("shard") == k)["line"]
        with target.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write("".join(line + "\n" for line in mine).encode("utf-8"))
        counts[k] = len(mine)
    return counts


def _lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as fh:
        return [line.rstrip("\n") for line in fh if line.strip()]
