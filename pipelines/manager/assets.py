"""Relationship managers (客户经理): what they did for their book, and the lead pool (抢单)."""

import dagster as dg
import polars as pl

from pipelines.sql_asset import sql_asset
from wealthgraph.config import sql_params
from wealthgraph.sql import query

MANAGER_CHECKS = {
    "marts/rm_performance": {
        "conversions_after_recommendation": "Every credited purchase follows its "
        "recommendation and falls inside the conversion window.",
        "replies_after_inquiries": "No reply is timed before the inquiry it answers.",
        "one_row_per_manager_month": "One row per manager and month.",
    },
    "marts/lead_pool": {
        "each_customer_offered_once": "A customer is in the pool once, offered to one manager.",
        "offers_within_capacity": "Book kept plus customers offered stay within capacity.",
        "offers_to_active_managers_only": "Offers go to active managers other than the one "
        "the customer already has.",
    },
}


def _checks(asset: str):
    def run(con, as_of) -> list[dg.AssetCheckResult]:
        name = asset.split("/")[1] + "_violations"
        counts = query(con, "quality", name, {"as_of": as_of, **sql_params()})
        results = []
        for check, description in MANAGER_CHECKS[asset].items():
            row = counts.filter(pl.col("check_name") == check)
            violations = int(row["violations"].sum())
            results.append(
                dg.AssetCheckResult(
                    check_name=check,
                    passed=violations == 0,
                    description=description,
                    metadata={
                        "violations": violations,
                        "examples": ", ".join(row["examples"].drop_nulls().to_list()) or "none",
                    },
                )
            )
        return results

    return run


def _specs(asset: str) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            check, asset=dg.AssetKey(asset.split("/")), blocking=True, description=description
        )
        for check, description in MANAGER_CHECKS[asset].items()
    ]


manager_inquiries = sql_asset(
    "features",
    "manager_inquiries",
    "Per customer inquiry to their manager: when asked, when answered, response minutes.",
    deps=["core/events"],
    group="manager",
)
recommendation_outcomes = sql_asset(
    "features",
    "recommendation_outcomes",
    "Per manager recommendation: the purchases of that product it converted in the window.",
    deps=["core/events"],
    group="manager",
)
rm_performance = sql_asset(
    "marts",
    "rm_performance",
    "Per manager and month: book, activity, AUM and flows, coverage, response, conversions, "
    "ratings.",
    deps=[
        "core/managers",
        "core/events",
        "core/transactions",
        "features/customers",
        "features/manager_inquiries",
        "features/recommendation_outcomes",
        "marts/wealth_history",
    ],
    group="manager",
    check_specs=_specs("marts/rm_performance"),
    checks=_checks("marts/rm_performance"),
)
lead_pool = sql_asset(
    "marts",
    "lead_pool",
    "Per unserved customer: value and need scores and the one manager they are offered to.",
    deps=[
        "core/managers",
        "core/branches",
        "core/events",
        "features/customers",
        "marts/wealth_summary",
        "marts/wealth_advice",
    ],
    by_as_of=True,
    group="manager",
    check_specs=_specs("marts/lead_pool"),
    checks=_checks("marts/lead_pool"),
)
