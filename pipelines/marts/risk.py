"""marts.* of the risk domain (事中风控): every payment scored, and the alerts customers get."""

import datetime as dt

import dagster as dg
import polars as pl

from pipelines.lineage import table_keys
from pipelines.metadata import check_specs, preview_metadata, table_metadata
from pipelines.partitions import landing_days
from pipelines.resources import Warehouse
from pipelines.sql_asset import BY_DAY, DAY_BUILDERS, sql_asset
from wealthgraph.risk import model
from wealthgraph.risk.point_in_time import future_reads
from wealthgraph.risk.signals import decision, score_payments
from wealthgraph.warehouse import write_days

alerts = sql_asset("marts", "alerts", by_day="alert_date", group="risk")


def _checks(con, first: dt.date, last: dt.date) -> list[dg.AssetCheckResult]:
    days = [first, last]
    missing, extra = con.execute(
        """
        select
            (select count(*) from features.risk_payments f
             where f.partition_date between $1 and $2
                and not exists (select 1 from marts.risk_signals s where s.event_id = f.event_id)),
            (select count(*) from marts.risk_signals s
             where s.partition_date between $1 and $2
                and not exists (select 1 from features.risk_payments f
                                where f.event_id = s.event_id))
        """,
        days,
    ).fetchone()
    unknown = con.execute(
        """
        select count(*) from marts.risk_signals s
        where s.partition_date between $1 and $2
            and not exists (
                select 1 from core.events e
                where e.event_id = s.event_id and e.partition_date = s.partition_date
                    and e.event_type in ('transfer', 'red_packet', 'aa_bill')
            )
        """,
        days,
    ).fetchone()[0]
    # noon of the last day: a daily run checks its own day, a full run its latest
    compared, leaked = future_reads(con, last, dt.datetime.combine(last, dt.time(12)))
    signals = con.execute(
        "select model_score, rule_hits, decision from marts.risk_signals "
        "where partition_date between $1 and $2",
        days,
    ).pl()
    off_band = signals.filter(pl.col("decision") != decision()).height
    return [
        dg.AssetCheckResult(
            check_name="every_payment_scored",
            passed=missing == 0 and extra == 0,
            metadata={"unscored": missing, "not_a_payment": extra},
        ),
        dg.AssetCheckResult(
            check_name="scored_payments_exist_in_core",
            passed=unknown == 0,
            metadata={"unknown": unknown},
        ),
        dg.AssetCheckResult(
            check_name="no_future_data",
            passed=leaked == 0,
            metadata={"payments_compared": compared, "payments_changed": leaked},
        ),
        dg.AssetCheckResult(
            check_name="decisions_follow_thresholds",
            passed=off_band == 0,
            metadata={"rows": off_band},
        ),
    ]


def build_signals(con, first: dt.date, last: dt.date, booster=None) -> pl.DataFrame:
    """Score the payments of ``first`` .. ``last`` into marts.risk_signals (with ``booster``,
    else the shipped model); the scored rows."""
    payments = con.execute(
        "select * from features.risk_payments where partition_date between ? and ?",
        [first, last],
    ).pl()
    scored = score_payments(payments, booster or model.load(), model.version())
    write_days(con, "marts.risk_signals", scored, "partition_date", first, last)
    return scored


# kept per day like an SQL asset's by_day table: a replay copies it up to its cutoff
BY_DAY["marts.risk_signals"] = "partition_date"
DAY_BUILDERS["marts.risk_signals"] = (
    ("features.risk_payments",),
    lambda con, first, last: build_signals(con, first, last).height,
)


@dg.asset(
    key_prefix="marts",
    group_name="risk",
    deps=table_keys("features.risk_payments", "core.events"),
    check_specs=check_specs("marts.risk_signals"),
    partitions_def=landing_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def risk_signals(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    keys = context.partition_key_range
    first, last = (dt.date.fromisoformat(k) for k in (keys.start, keys.end))
    booster = model.load()  # a missing or stale model fails here, before any work
    with warehouse.get_connection() as con:
        scored = build_signals(con, first, last, booster)
        rows = scored.height
        results = _checks(con, first, last)
        table = table_metadata(con, "marts.risk_signals")
    bands = scored.group_by("decision").len().sort("decision")
    return dg.MaterializeResult(
        metadata={
            **table,
            "days_rows": rows,
            "decisions": preview_metadata(bands),
        },
        check_results=results,
    )
