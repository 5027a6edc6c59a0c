"""serving.published: the contract tables copied into a new read-only version, made current
only when every table before it was built and passed its blocking checks."""

import dagster as dg

from pipelines.partitions import run_as_of
from pipelines.resources import Warehouse
from wealthgraph.publish import PUBLISHED, publish
from wealthgraph.warehouse import latest_day


@dg.asset(
    key=["serving", "published"],
    group_name="serving",
    description="The contract tables as a read-only DuckDB file and Parquet, switched atomically.",
    deps=[dg.AssetKey(table.split(".")) for table in PUBLISHED],
)
def published(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        # the run wrote the slices as of its own date: older ones are linked, not copied
        since = latest_day(con, run_as_of(context))
        version = publish(con, warehouse.published_root, since=since)
    context.log.info(f"published {version.version} at {version.path}")
    return dg.MaterializeResult(
        metadata={
            "version": version.version,
            "path": str(version.path),
            "as_of": version.as_of,
            "dagster/row_count": sum(version.tables.values()),
            "tables": len(version.tables),
        }
    )
