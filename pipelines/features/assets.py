"""features.*: point-in-time user features, as of the latest landed day."""

import dagster as dg
import polars as pl

from features.behaviour import period_behaviour
from features.engagement import engagement as engagement_features
from pipelines.lineage import AS_OF_SOURCES, table_keys
from pipelines.metadata import preview_metadata, table_metadata
from pipelines.partitions import run_as_of
from pipelines.resources import Warehouse
from pipelines.sql_asset import sql_asset
from wealthgraph.warehouse import latest_day, write_slice

user_daily_activity = sql_asset(
    "features",
    "user_daily_activity",
    by_day="activity_date",
)
customers = sql_asset(
    "features",
    "customers",
    by_as_of=True,
    # the daily sources fix the as-of date (latest_day), so they must be in first
    extra_reads=AS_OF_SOURCES,
)
topic_affinity = sql_asset(
    "features",
    "topic_affinity",
    by_as_of=True,
)
holdings = sql_asset(
    "features",
    "holdings",
    by_as_of=True,
)
finances = sql_asset(
    "features",
    "finances",
    by_as_of=True,
)


def _daily(con) -> pl.LazyFrame:
    return con.execute("select * from features.user_daily_activity").pl().lazy()


@dg.asset(
    key_prefix="features",
    group_name="features",
    deps=table_keys("features.user_daily_activity", "core.customers"),
)
def engagement(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        as_of = latest_day(con, run_as_of(context))
        customers = con.execute("select customer_id, registered_at from core.customers").pl()
        frame = engagement_features(_daily(con), customers.lazy(), as_of)
        rows = write_slice(con, "features.engagement", frame, as_of)
        table = table_metadata(con, "features.engagement")
    stages = frame.group_by("lifecycle_stage").len().sort("len", descending=True)
    return dg.MaterializeResult(
        metadata={
            **table,
            "as_of_rows": rows,
            "as_of": str(as_of),
            "stages": preview_metadata(stages),
        }
    )


@dg.asset(
    key_prefix="features",
    group_name="features",
    deps=table_keys("features.user_daily_activity"),
)
def behaviour(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        as_of = latest_day(con, run_as_of(context))
        frame = period_behaviour(_daily(con), as_of, days=30)
        rows = write_slice(con, "features.behaviour", frame, as_of)
        table = table_metadata(con, "features.behaviour")
    return dg.MaterializeResult(metadata={**table, "as_of_rows": rows, "as_of": str(as_of)})


product_interactions = sql_asset(
    "features",
    "product_interactions",
    by_as_of=True,
)
