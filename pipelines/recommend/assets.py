"""recommend.*: one table per recommendation kind, each with the contract's columns."""

import dagster as dg
import polars as pl

from pipelines.lineage import table_keys
from pipelines.metadata import preview_metadata, table_metadata
from pipelines.partitions import run_as_of
from pipelines.resources import Warehouse
from pipelines.sql_asset import sql_asset
from wealthgraph.recommend import products as product_recommender
from wealthgraph.sql import sql_shape
from wealthgraph.warehouse import latest_day, table_exists, write_slice

# the tables product_recommender.load_inputs reads: those of its SQL files
PRODUCT_READS = sorted(
    set().union(
        *(sql_shape("recommend", name).reads for name in product_recommender.INPUT_QUERIES.values())
    )
)


def _stored_factors(con) -> pl.DataFrame | None:
    if not table_exists(con, "recommend.product_factors"):
        return None
    return con.execute("select * from recommend.product_factors").pl()


@dg.multi_asset(
    name="products",
    description="Recommend suitable wealth products per customer (recommend.products), with "
    "the ALS item factors it fitted or kept (recommend.product_factors) and the co-holding and "
    "segment popularity it learned (recommend.product_cooccurrence, .segment_popularity).",
    specs=[
        dg.AssetSpec(
            ["recommend", "products"], group_name="recommend", deps=table_keys(*PRODUCT_READS)
        ),
        dg.AssetSpec(
            ["recommend", "product_factors"],
            group_name="recommend",
            deps=table_keys(*PRODUCT_READS),
        ),
        # what the fit learned from every customer, for the customer shards (pipelines/shards.py)
        dg.AssetSpec(
            ["recommend", "product_cooccurrence"],
            group_name="recommend",
            deps=table_keys(*PRODUCT_READS),
        ),
        dg.AssetSpec(
            ["recommend", "segment_popularity"],
            group_name="recommend",
            deps=table_keys(*PRODUCT_READS),
        ),
    ],
)
def products(context: dg.AssetExecutionContext, warehouse: Warehouse):
    with warehouse.get_connection() as con:
        as_of = latest_day(con, run_as_of(context))
        inputs = product_recommender.load_inputs(con, as_of)
        kept, why = product_recommender.kept_factors(_stored_factors(con), inputs)
        context.log.info(f"product ALS: {why}")
        fitted = product_recommender.fit(inputs, item_factors=kept)
        frame = product_recommender.recommend(fitted)
        rows = write_slice(con, "recommend.products", frame.with_columns(as_of=as_of), None)
        table = table_metadata(con, "recommend.products", rows)
        if kept is None:
            factors = product_recommender.item_factors(fitted, as_of)
            write_slice(con, "recommend.product_factors", factors, None)
        population = {}
        for name, frame_ in zip(
            ("product_cooccurrence", "segment_popularity"),
            product_recommender.population_tables(fitted),
            strict=True,
        ):
            written = write_slice(con, f"recommend.{name}", frame_, None)
            population[name] = table_metadata(con, f"recommend.{name}", written)
        stored = table_metadata(con, "recommend.product_factors")
        fitted_on = con.execute("select max(fitted_on) from recommend.product_factors")
        fitted_on = str(fitted_on.fetchone()[0])
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["recommend", "products"]),
        metadata={
            **table,
            "customers": frame["customer_id"].n_unique(),
            "of_customers": inputs.customers.height,
            "als": why,
            "preview": preview_metadata(frame.head(5)),
        },
    )
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["recommend", "product_factors"]),
        metadata={**stored, "fitted_on": fitted_on, "als": why},
    )
    for name, metadata in population.items():
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["recommend", name]), metadata=metadata)


loan_uptake = sql_asset(
    "recommend",
    "loan_uptake",
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
