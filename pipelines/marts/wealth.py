"""marts.wealth_*: the my-wealth (我的财富) overview, its monthly history and its advice."""

import dagster as dg

from pipelines.lineage import table_keys
from pipelines.metadata import check_specs, preview_metadata, table_metadata
from pipelines.partitions import run_as_of
from pipelines.resources import Warehouse
from pipelines.sql_asset import sql_asset
from wealthgraph.warehouse import latest_day, write_slice
from wealthgraph.wealth.advice import advise


def _history_checks(con, as_of) -> list[dg.AssetCheckResult]:
    gaps = con.execute(
        """
        select count(*) from (
            select customer_id, count(*) as months,
                date_diff('month', min(month), max(month)) + 1 as span
            from marts.wealth_history group by all
        ) where months <> span
        """
    ).fetchone()[0]
    return [
        dg.AssetCheckResult(
            check_name="no_missing_months", passed=gaps == 0, metadata={"customers_with_gaps": gaps}
        )
    ]


def _summary_checks(con, as_of) -> list[dg.AssetCheckResult]:
    wrong_net_worth, bad_shares, duplicates = con.execute(
        """
        select
            count(*) filter (where net_worth <> total_assets - total_liabilities),
            count(*) filter (
                where total_assets > 0
                and abs(list_sum(list_transform(allocation_by_class, a -> a.share)) - 1) > 0.001
            ),
            count(*) - count(distinct customer_id)
        from marts.wealth_summary where as_of = $1
        """,
        [as_of],
    ).fetchone()
    return [
        dg.AssetCheckResult(
            check_name="net_worth_is_assets_minus_liabilities",
            passed=wrong_net_worth == 0,
            metadata={"rows": wrong_net_worth},
        ),
        dg.AssetCheckResult(
            check_name="allocation_shares_sum_to_one",
            passed=bad_shares == 0,
            metadata={"rows": bad_shares},
        ),
        dg.AssetCheckResult(
            check_name="one_row_per_customer",
            passed=duplicates == 0,
            metadata={"duplicates": duplicates},
        ),
    ]


wealth_history = sql_asset(
    "marts",
    "wealth_history",
    by_month="month",
    check_specs=check_specs("marts.wealth_history"),
    checks=_history_checks,
)
wealth_summary = sql_asset(
    "marts",
    "wealth_summary",
    by_as_of=True,
    check_specs=check_specs("marts.wealth_summary"),
    checks=_summary_checks,
)


@dg.asset(key_prefix="marts", group_name="marts", deps=table_keys("marts.wealth_summary"))
def wealth_advice(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        as_of = latest_day(con, run_as_of(context))
        summary = con.execute("select * from marts.wealth_summary where as_of = ?", [as_of]).pl()
        advice = advise(summary).drop("as_of")
        rows = write_slice(con, "marts.wealth_advice", advice, as_of)
        table = table_metadata(con, "marts.wealth_advice")
    failing = advice.filter(~advice["passed"]).group_by("rule_id").len().sort("rule_id")
    return dg.MaterializeResult(
        metadata={
            **table,
            "as_of_rows": rows,
            "as_of": str(as_of),
            "advice_given": preview_metadata(failing),
        }
    )
