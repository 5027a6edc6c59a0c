"""marts.* of the manager domain (客户经理): what managers did for their book, and the lead
pool (抢单)."""

from pipelines.sql_asset import sql_asset
from pipelines.violations import violation_checks

RM_PERFORMANCE_SPECS, RM_PERFORMANCE_CHECKS = violation_checks(
    "marts/rm_performance",
    {
        "conversions_after_recommendation": "Every credited purchase follows its "
        "recommendation and falls inside the conversion window.",
        "replies_after_inquiries": "No reply is timed before the inquiry it answers.",
        "one_row_per_manager_month": "One row per manager and month.",
    },
)
LEAD_POOL_SPECS, LEAD_POOL_CHECKS = violation_checks(
    "marts/lead_pool",
    {
        "each_customer_offered_once": "A customer is in the pool once, offered to one manager.",
        "offers_within_capacity": "Book kept plus customers offered stay within capacity.",
        "offers_to_active_managers_only": "Offers go to active managers other than the one "
        "the customer already has.",
    },
)

rm_performance = sql_asset(
    "marts",
    "rm_performance",
    "Per manager and month: book, activity, AUM and flows, coverage, response, conversions, "
    "ratings.",
    group="manager",
    check_specs=RM_PERFORMANCE_SPECS,
    checks=RM_PERFORMANCE_CHECKS,
)
lead_pool = sql_asset(
    "marts",
    "lead_pool",
    "Per unserved customer: value and need scores and the one manager they are offered to.",
    by_as_of=True,
    group="manager",
    check_specs=LEAD_POOL_SPECS,
    checks=LEAD_POOL_CHECKS,
)
