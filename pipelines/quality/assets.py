"""quality.*: views over the ingest layers for analysts, and the recommenders' offline metrics."""

import datetime as dt
import tempfile
import time
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from pipelines.metadata import check_specs, preview_metadata, table_metadata
from pipelines.partitions import run_as_of
from pipelines.replay import replay_at
from pipelines.resources import LandingFolder, Warehouse
from wealthgraph import landing
from wealthgraph.config import RECOMMEND
from wealthgraph.ingest.files import default_as_of, survey
from wealthgraph.ingest.rules import quality_view
from wealthgraph.recommend import evaluate
from wealthgraph.warehouse import latest_day, write_slice

_INGESTED = [dg.AssetKey(["core", name]) for name in landing.SOURCES]


@dg.asset(
    key_prefix="quality",
    group_name="quality",
    # a refused file is named and warned about; the run still publishes what it did ingest
    check_specs=check_specs("quality.landing_files", blocking=False),
)
def landing_files(
    context: dg.AssetExecutionContext, warehouse: Warehouse, landing_folder: LandingFolder
) -> dg.MaterializeResult:
    root = landing_folder.root
    as_of = run_as_of(context) or default_as_of(root) or dt.date.min
    surveyed = pl.DataFrame(
        [vars(f) for f in survey(root, as_of)],
        schema={
            "source": pl.String,
            "file_name": pl.String,
            "day": pl.Date,
            "size": pl.Int64,
            "status": pl.String,
            "reason": pl.String,
        },
        orient="row",
    ).with_columns(run_as_of=pl.lit(as_of))
    with warehouse.get_connection() as con:
        rows = write_slice(con, "quality.landing_files", surveyed, None)
        table = table_metadata(con, "quality.landing_files", rows)
    left = surveyed.filter(pl.col("status") != "ingest")
    refused = left.filter(pl.col("status") == "refused")
    for row in left.iter_rows(named=True):
        log = context.log.warning if row["status"] == "refused" else context.log.info
        log(f"{row['file_name']}: {row['status']}: {row['reason']}")
    return dg.MaterializeResult(
        metadata={
            **table,
            "by_status": preview_metadata(surveyed.group_by("status").len().sort("status")),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="no_file_refused",
                passed=refused.is_empty(),
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "refused": dg.MetadataValue.md(
                        "\n".join(
                            f"- {f}: {r}"
                            for f, r in refused.select("file_name", "reason").iter_rows()
                        )
                        or "none"
                    )
                },
            )
        ],
    )


@dg.asset(key_prefix="quality", group_name="quality", deps=_INGESTED)
def quarantine(warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        con.execute(f"create or replace view quality.quarantine as {quality_view('quarantine')}")
        by_reason = con.execute(
            """
            select source, regexp_extract(reason, '^[^:]*') as reason, count(*) as n
            from quality.quarantine group by all order by n desc
            """
        ).pl()
        table = table_metadata(con, "quality.quarantine", int(by_reason["n"].sum()))
    return dg.MaterializeResult(
        metadata={**table, "by_reason": preview_metadata(by_reason.head(20))}
    )


@dg.asset(
    key_prefix="quality",
    group_name="quality",
    deps=_INGESTED,
    check_specs=check_specs("quality.ingest_audit"),
)
def ingest_audit(warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        con.execute(
            f"create or replace view quality.ingest_audit as {quality_view('ingest_audit')}"
        )
        totals = con.execute(
            """
            select
                count(*) as files,
                sum(rows_in) as rows_in,
                sum(rows_accepted) as rows_accepted,
                sum(rows_quarantined) as rows_quarantined,
                count(*) filter (where rows_in <> rows_accepted + rows_quarantined)
                    as unbalanced
            from quality.ingest_audit
            """
        ).fetchone()
        # one row per landing file
        table = table_metadata(con, "quality.ingest_audit", totals[0])
    _, rows_in, accepted, quarantined, unbalanced = totals
    return dg.MaterializeResult(
        metadata={
            **table,
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
def recommendation_eval(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        as_of = latest_day(con, run_as_of(context))
        first = con.execute("select min(partition_date) from core.events").fetchone()[0]
        cutoffs = evaluate.cutoffs(as_of, first, RECOMMEND)
        if not cutoffs:
            return dg.MaterializeResult(
                metadata={
                    "skipped": f"needs {RECOMMEND.eval_min_history_days} days of events up to "
                    f"as_of - {max(RECOMMEND.eval_cutoffs_days)} days or an earlier cutoff"
                }
            )
        rows, test_pairs, replay_seconds = [], {}, {}
        with tempfile.TemporaryDirectory(dir=Path(warehouse.database).parent) as scratch:
            for cutoff in cutoffs:
                held_out = evaluate.held_out_pairs(
                    con, cutoff, evaluate.window_end(cutoff, as_of, RECOMMEND)
                )
                test_pairs[str(cutoff)] = {task: test.height for task, test in held_out.items()}
                started = time.perf_counter()
                replayed = replay_at(con, cutoff, Path(scratch) / f"replay-{cutoff}.duckdb")
                replay_seconds[str(cutoff)] = round(time.perf_counter() - started, 1)
                with duckdb.connect(str(replayed), read_only=True) as replay:
                    rows += evaluate.evaluate_cutoff(replay, held_out, cutoff, RECOMMEND)
                replayed.unlink()  # one replay on disk at a time
        frame = pl.DataFrame(rows)
        # a table from before the cutoff column (grain task, model) cannot take these rows
        existing = con.execute(
            """
            select list(column_name order by ordinal_position) from information_schema.columns
            where table_schema = 'quality' and table_name = 'recommendation_eval'
            """
        ).fetchone()[0]
        if existing and existing != [*frame.columns, "as_of"]:
            con.execute("drop table quality.recommendation_eval")
        rows = write_slice(con, "quality.recommendation_eval", frame, as_of)
        table = table_metadata(con, "quality.recommendation_eval")
    return dg.MaterializeResult(
        metadata={
            **table,
            "as_of_rows": rows,
            "cutoffs": [str(c) for c in cutoffs],
            "test_pairs": test_pairs,
            "replay_seconds": replay_seconds,
            "metrics": preview_metadata(
                frame.select(
                    "cutoff",
                    "task",
                    "model",
                    "users",
                    "ndcg",
                    "blend_delta_low",
                    "blend_delta_high",
                )
            ),
        }
    )
