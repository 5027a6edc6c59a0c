"""serving.published: the contract tables copied into a new read-only version, made current
only when every table before it was built and passed its blocking checks."""

import dagster as dg

from pipelines.resources import Warehouse
from wealthgraph.publish import PUBLISHED, publish


@dg.asset(
    key=["serving", "published"],
    group_name="serving",
    description="The contract tables as a read-only DuckDB file and Parquet, switched atomically.",
    deps=[dg.AssetKey(table.split(".")) for table in PUBLISHED],
)
def published(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        version = publish(con, warehouse.published_root)
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
