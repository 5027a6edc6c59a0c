"""quality.quarantine and quality.ingest_audit: views over the ingest layers for analysts."""

import dagster as dg

from pipelines.metadata import preview_metadata
from pipelines.resources import Warehouse
from wealthgraph import landing
from wealthgraph.sql import load_sql

_INGESTED = [dg.AssetKey(["core", name]) for name in landing.SOURCES]


@dg.asset(key_prefix="quality", group_name="quality", deps=_INGESTED)
def quarantine(warehouse: Warehouse) -> dg.MaterializeResult:
    """Every landed line that was not accepted, with its source, file, line and reason."""
    with warehouse.get_connection() as con:
        con.execute(
            f"create or replace view quality.quarantine as {load_sql('quality', 'quarantine')}"
        )
        by_reason = con.execute(
            """
            select source, regexp_extract(reason, '^[^:]*') as reason, count(*) as n
            from quality.quarantine group by all order by n desc limit 20
            """
        ).pl()
    return dg.MaterializeResult(
        metadata={"rows": int(by_reason["n"].sum()), "by_reason": preview_metadata(by_reason)}
    )


@dg.asset(
    key_prefix="quality",
    group_name="quality",
    deps=_INGESTED,
    check_specs=[
        dg.AssetCheckSpec(
            "every_file_balanced",
            asset=dg.AssetKey(["quality", "ingest_audit"]),
            blocking=True,
            description="rows in = accepted + quarantined, and accepted rows are all in core.",
        )
    ],
)
def ingest_audit(warehouse: Warehouse) -> dg.MaterializeResult:
    """Per landing file: rows in, accepted, quarantined and present in core."""
    with warehouse.get_connection() as con:
        con.execute(
            f"create or replace view quality.ingest_audit as {load_sql('quality', 'ingest_audit')}"
        )
        totals = con.execute(
            """
            select
                count(*) as files,
                sum(rows_in) as rows_in,
                sum(rows_accepted) as rows_accepted,
                sum(rows_quarantined) as rows_quarantined,
                count(*) filter (
                    where rows_in <> rows_accepted + rows_quarantined
                    or rows_accepted <> rows_in_core
                ) as unbalanced
            from quality.ingest_audit
            """
        ).fetchone()
    files, rows_in, accepted, quarantined, unbalanced = totals
    return dg.MaterializeResult(
        metadata={
            "files": files,
            "rows_in": int(rows_in or 0),
            "rows_accepted": int(accepted or 0),
            "rows_quarantined": int(quarantined or 0),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="every_file_balanced",
                passed=unbalanced == 0,
                metadata={"unbalanced_files": unbalanced},
            )
        ],
    )
