"""core.enums and core.event_types: the landing contract's vocabularies (wealthgraph/landing.py)
as tables, so SQL rules and analysts read the same lists.

Every warehouse connection writes them (wealthgraph.warehouse.ensure_schemas), so ingest can
check values before any run; this asset rewrites them and puts them in the lineage, where the
staging, features and marts SQL that reads them can depend on them.
"""

import dagster as dg

from pipelines.metadata import preview_metadata, table_metadata
from pipelines.resources import Warehouse
from wealthgraph.warehouse import ensure_schemas

VOCABULARIES = ("enums", "event_types")


@dg.multi_asset(
    name="vocabularies",
    description="Write the landing contract's vocabularies as core.enums and core.event_types.",
    specs=[
        dg.AssetSpec(["core", "enums"], group_name="ingest"),
        dg.AssetSpec(["core", "event_types"], group_name="ingest"),
    ],
)
def vocabularies(warehouse: Warehouse):
    with warehouse.get_connection() as con:
        ensure_schemas(con)
        for table in VOCABULARIES:
            frame = con.execute(f"select * from core.{table}").pl()
            yield dg.MaterializeResult(
                asset_key=dg.AssetKey(["core", table]),
                metadata={
                    **table_metadata(con, f"core.{table}", frame.height),
                    "preview": preview_metadata(frame.head(5)),
                },
            )
