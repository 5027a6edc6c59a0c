"""quality.*: views over the ingest layers for analysts, and the recommenders' offline metrics."""

import datetime as dt
import tempfile
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from pipelines.metadata import preview_metadata
from pipelines.replay import replay_at
from pipelines.resources import Warehouse
from wealthgraph import landing
from wealthgraph.config import RECOMMEND
from wealthgraph.recommend import evaluate
from wealthgraph.sql import load_sql
from wealthgraph.warehouse import latest_day, write_slice

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


@dg.asset(
    key_prefix="quality",
    group_name="quality",
    deps=[dg.AssetKey(["marts", "recommendations"])],
)
def recommendation_eval(warehouse: Warehouse) -> dg.MaterializeResult:
    """Time-split offline metrics of the recommenders beside popularity and plain ALS."""
    with warehouse.get_connection() as con:
        as_of = latest_day(con)
        cutoff = as_of - dt.timedelta(days=RECOMMEND.eval_test_days)
        first = con.execute("select min(partition_date) from core.events").fetchone()[0]
        if first is None or cutoff < first + dt.timedelta(days=RECOMMEND.eval_test_days):
            return dg.MaterializeResult(
                metadata={"skipped": f"needs events from {cutoff} back to twice the test window"}
            )
        tests = {
            "product": evaluate.product_test(con, cutoff, as_of),
            "topic": evaluate.topic_test(con, cutoff, as_of),
        }
        with tempfile.TemporaryDirectory(dir=Path(warehouse.database).parent) as scratch:
            replayed = replay_at(con, cutoff, Path(scratch) / "replay.duckdb")
            with duckdb.connect(str(replayed), read_only=True) as replay:
                rows = evaluate.evaluate_products(replay, tests["product"], cutoff)
                rows += evaluate.evaluate_topics(replay, tests["topic"], cutoff)
        frame = pl.DataFrame(rows).with_columns(cutoff=pl.lit(cutoff), k=pl.lit(RECOMMEND.eval_k))
        write_slice(con, "quality.recommendation_eval", frame, as_of)
    return dg.MaterializeResult(
        metadata={
            "cutoff": str(cutoff),
            "test_pairs": {kind: test.height for kind, test in tests.items()},
            "metrics": preview_metadata(frame.select("task", "model", "users", "ndcg", "recall")),
        }
    )
