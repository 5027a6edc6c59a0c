"""The customer shards in Dagster: one asset partitioned by day x shard, so that a deployment
runs the S shards of a day as S separate runs (on separate machines or run workers) once the
hub's run of that day has finished.

Each partition (day D, shard k) calls ``pipelines.shards.build_shard(hub, k, S)`` on the hub
warehouse (the warehouse resource's file), which builds and publishes shard k's per-customer
tables as of the hub's latest day; the partition refuses to run unless that day is D, so a
partition's materialization always means "shard k built from the hub's run of D". The day
dimension is the project's ``landing_days`` (pipelines/partitions.py), so the asset's day
partitions are the hub's, and the dependency on the hub's day-partitioned core tables maps
day to day. S is ``WEALTHGRAPH_SHARDS`` (default 4): the shard dimension is static, so
changing S changes the partition set of the asset (``wealthgraph run --shards S`` takes its
own S).

The shards read the hub only (``read_only``), so the S runs of a day may run at once; none
may run while the hub's run writes it. ``shards_after_main_job`` (stopped by default: turn it
on where the shards have machines to run on) requests the S partitions of the hub's day when
a ``main_job`` run succeeds.
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.automation import main_job
from pipelines.ingest.vocabularies import VOCABULARIES
from pipelines.lineage import table_keys
from pipelines.partitions import landing_days
from pipelines.resources import Warehouse
from pipelines.shards import FROM_HUB, all_published, build_shard, finish
from wealthgraph import landing
from wealthgraph.locks import RunLockedError
from wealthgraph.settings import env_number
from wealthgraph.warehouse import latest_day

SHARDS_ENV = "WEALTHGRAPH_SHARDS"
DEFAULT_SHARDS = 4
CUSTOMER_TABLES = dg.AssetKey(["shards", "customer_tables"])
# what a shard copies from the hub: every core table (its customers' rows, the reference
# tables whole) and the graph rows touching its customers (pipelines.shards._copy_from_hub)
HUB_TABLES = (
    *(f"core.{name}" for name in (*landing.SOURCES, *VOCABULARIES)),
    *FROM_HUB,
)

shards_job = dg.define_asset_job(
    "shards_job",
    selection=dg.AssetSelection.assets(CUSTOMER_TABLES),
    description="Build one customer shard's per-customer tables from the hub's run of a day, "
    "and publish them.",
)


def shard_count() -> int:
    """The number of customer shards, S: ``WEALTHGRAPH_SHARDS`` (default 4, at least 1)."""
    return env_number(SHARDS_ENV, DEFAULT_SHARDS, 1)


def shard_partitions(shards: int) -> dg.MultiPartitionsDefinition:
    """Partitions day (the landed days) x shard ("0" .. "S-1"); keys read ``<day>|<shard>``."""
    return dg.MultiPartitionsDefinition(
        {
            "day": landing_days,
            "shard": dg.StaticPartitionsDefinition([str(k) for k in range(shards)]),
        }
    )


def hub_day(hub: Path) -> dt.date:
    """The day the hub's finished run holds (its latest day, the shards' as-of date)."""
    if not hub.is_file():
        raise dg.Failure(description=f"no hub warehouse at {hub}: run main_job first")
    with duckdb.connect(str(hub), read_only=True) as con:
        return latest_day(con)


def shard_run_requests(day: dt.date, shards: int, after: str) -> list[dg.RunRequest]:
    """One run per shard of ``day``, keyed by the run ``after`` which they follow (a sensor
    evaluated twice for the same run requests nothing new)."""
    return [
        dg.RunRequest(
            run_key=f"{after}:{k}",
            partition_key=dg.MultiPartitionKey({"day": day.isoformat(), "shard": str(k)}),
        )
        for k in range(shards)
    ]


def build_shards_sensor(shards: int, hub: Path) -> dg.SensorDefinition:
    """``shards_after_main_job``: when a main_job run succeeds, the S shard runs of the day
    the hub then holds."""

    @dg.run_status_sensor(
        name="shards_after_main_job",
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[main_job],
        request_job=shards_job,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="After each successful main_job run, build the customer shards of the "
        "day the hub holds (one shards_job run per shard).",
    )
    def shards_after_main_job(context: dg.RunStatusSensorContext):
        try:
            day = hub_day(hub)
        except dg.Failure as error:
            return dg.SkipReason(error.description)
        return shard_run_requests(day, shards, context.dagster_run.run_id)

    return shards_after_main_job


def build_shard_asset(shards: int) -> dg.AssetsDefinition:
    """The ``shards/customer_tables`` asset over ``shards`` customer shards."""

    @dg.asset(
        key=CUSTOMER_TABLES,
        group_name="shards",
        description="One customer shard's per-customer tables, built from the hub's run of "
        "the day and published (pipelines/shards.py).",
        deps=table_keys(*HUB_TABLES),
        partitions_def=shard_partitions(shards),
    )
    def customer_tables(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        keys = context.partition_key.keys_by_dimension
        day, shard = dt.date.fromisoformat(keys["day"]), int(keys["shard"])
        hub = Path(warehouse.database)
        try:
            holds = hub_day(hub)
            if holds != day:
                todo = (
                    f"run main_job for {day} first (wealthgraph run --day {day})"
                    if day > holds
                    else f"materialize the partition of {holds} instead"
                )
                raise dg.Failure(
                    description=f"the hub {hub} holds {holds}, not {day}: {todo}",
                    allow_retries=False,
                )
            built = build_shard(hub, shard, shards)
        except RunLockedError as error:  # the same shard is being built (the CLI, a retry)
            raise dg.Failure(description=str(error)) from None
        except ValueError as error:  # a shard too small for the hub's day
            raise dg.Failure(description=str(error), allow_retries=False) from None
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            # DuckDB lets no reader in while a run writes the hub
            raise dg.Failure(
                description=f"the hub {hub} is being written (a main_job run): build shard "
                f"{shard} of {day} after it finishes",
            ) from None
        # the last shard of the day to finish switches the API to the day's S shards
        if all_published(hub, shards, day):
            finish(hub, shards)
        return dg.MaterializeResult(
            metadata={
                "customers": dg.MetadataValue.int(built.customers),
                "seconds": dg.MetadataValue.float(round(built.seconds, 3)),
                "database": dg.MetadataValue.path(str(built.database)),
            }
        )

    return customer_tables
