"""recommend.*: one table per recommendation kind, each with the contract's columns."""

import dagster as dg

from pipelines.lineage import table_keys
from pipelines.metadata import preview_metadata, table_metadata
from pipelines.partitions import run_as_of
from pipelines.resources import Warehouse
from pipelines.sql_asset import sql_asset
from wealthgraph.recommend import products as product_recommender
from wealthgraph.sql import sql_shape
from wealthgraph.warehouse import latest_day, write_slice

# the tables product_recommender.load_inputs reads: those of its SQL files
PRODUCT_READS = sorted(
    set().union(
        *(sql_shape("recommend", name).reads for name in product_recommender.INPUT_QUERIES.values())
    )
)


@dg.asset(key_prefix="recommend", group_name="recommend", deps=table_keys(*PRODUCT_READS))
def products(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        as_of = latest_day(con, run_as_of(context))
        inputs = product_recommender.load_inputs(con, as_of)
        frame = product_recommender.recommend(product_recommender.fit(inputs))
        rows = write_slice(con, "recommend.products", frame.with_columns(as_of=as_of), None)
        table = table_metadata(con, "recommend.products", rows)
    return dg.MaterializeResult(
        metadata={
            **table,
            "customers": frame["customer_id"].n_unique(),
            "of_customers": inputs.customers.height,
            "preview": preview_metadata(frame.head(5)),
        }
    )


loans = sql_asset(
    "recommend",
    "loans",
)
topics = sql_asset(
    "recommend",
    "topics",
)
activities = sql_asset(
    "recommend",
    "activities",
)
