"""Split one landed day of a daily source by customer shard: the step that runs next to object
storage, before each shard's pipeline ingests only its own customers.

    <landing>/<source>/YYYY-MM-DD.jsonl.gz  ->  <out>/shard-<k>/<source>/YYYY-MM-DD.jsonl.gz

Lines are passed through as text: only the customer id is read out of each line (to pick the
shard), and the line itself is written back byte for byte. So nothing is retyped (an amount
``12.50`` stays ``12.50``, a ``null`` stays ``null``), field order and any field the contract does
not know survive, and a line ingest would reject still reaches a shard, where ingest names it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from wealthgraph.landing import SOURCES, SUFFIX, source_path
from wealthgraph.shards import shard_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# the field that names a daily source's customer: the shard key
CUSTOMER_FIELD = {"events": "user_id", "snapshots": "customer_id", "transactions": "customer_id"}
# a line without a readable customer id (not JSON, or no id) cannot be placed by its customer;
# it goes to shard 0 rather than being dropped, so the rows out still add up to the rows in
UNPLACED_SHARD = 0


def shard_dir(out: Path, shard: int) -> Path:
    """The landing folder of one shard: ``<out>/shard-<k>``."""
    return out / f"shard-{shard}"


def split_day(
    spark: SparkSession, landing: Path, source_name: str, day: dt.date, shards: int, out: Path
) -> dict[int, int]:
    """Split ``source_name``'s file of ``day`` into one gzip JSON Lines file per shard.

    Every shard gets a file, empty when none of its customers appear that day, so a shard's
    landing folder has the same days as the whole. Within a shard, lines keep their landed
    order. Returns the number of lines written per shard (every shard, zeros included).
    """
    from pyspark.sql import functions as F

    if source_name not in CUSTOMER_FIELD:
        raise ValueError(
            f"only daily sources are split by shard ({', '.join(CUSTOMER_FIELD)}), "
            f"not {source_name!r}"
        )
    if shards < 1:
        raise ValueError(f"shards must be at least 1, not {shards}")
    source = SOURCES[source_name]
    path = source_path(Path(landing), source, day)
    if not path.is_file():
        raise FileNotFoundError(f"no landed {source_name} file for {day}: {path}")

    customer = F.get_json_object("value", f"$.{CUSTOMER_FIELD[source_name]}")
    lines = (
        spark.read.text(str(path))
        # increasing in file order (by partition, then within it; a gzip file is one
        # partition anyway), so sorting by it restores the landed order after the shuffle
        .withColumn("line", F.monotonically_increasing_id())
        .withColumn("customer", customer)
        .withColumn(
            "shard",
            F.when(F.col("customer").isNull(), F.lit(UNPLACED_SHARD)).otherwise(
                F.expr(shard_spark("customer", shards))
            ),
        )
        .select("shard", "line", "value")
        .persist()  # read and parsed once, for both the counts and the write
    )
    try:
        counts = {row["shard"]: row["count"] for row in lines.groupBy("shard").count().collect()}
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        # on the output's own filesystem, so the final step is a rename, not a copy
        staging = Path(tempfile.mkdtemp(prefix=f".split-{source_name}-{day}-", dir=out))
        try:
            (
                # one task per shard, so each shard's folder holds one part file
                lines.repartition(shards, "shard")
                .sortWithinPartitions("shard", "line")
                .select("shard", "value")
                .write.partitionBy("shard")
                .option("compression", "gzip")
                .mode("overwrite")
                .text(str(staging / "parts"))
            )
            for shard in range(shards):
                target = source_path(shard_dir(out, shard), source, day)
                parts = sorted((staging / "parts" / f"shard={shard}").glob("part-*"))
                _assemble(parts, target, staging / f"{shard}{SUFFIX}")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        lines.unpersist()
    return {shard: counts.get(shard, 0) for shard in range(shards)}


def _assemble(parts: list[Path], target: Path, scratch: Path) -> None:
    """Make ``target`` the concatenation of the gzip ``parts`` (an empty gzip when none).

    Concatenated gzip members are one valid gzip stream, so several parts need no
    recompression; the file is built in ``scratch`` and renamed, so a reader never sees half.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if len(parts) == 1:
        shutil.move(parts[0], scratch)
    elif not parts:
        with gzip.GzipFile(scratch, mode="wb", mtime=0):
            pass
    else:
        with scratch.open("wb") as whole:
            for part in parts:
                with part.open("rb") as piece:
                    shutil.copyfileobj(piece, whole)
    scratch.replace(target)
