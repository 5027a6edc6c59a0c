"""marts.* of the marketing domain: how content spreads, groups, payment scenarios, daily KPIs."""

from pipelines.sql_asset import sql_asset
from pipelines.violations import violation_checks

CONTENT_SPREAD_SPECS, CONTENT_SPREAD_CHECKS = violation_checks(
    "marts/content_spread",
    {
        "conversions_after_their_read": "Every credited purchase follows the touch it is "
        "credited to, inside the conversion window.",
        "chains_run_forward_in_time": "Every reader was reached after the friend who brought "
        "them, one level deeper, on the same chain.",
        "cascade_reach_within_customers": "An item reaches at most every customer, and no more "
        "through friends than in all.",
    },
)
KPI_DAILY_SPECS, KPI_DAILY_CHECKS = violation_checks(
    "marts/kpi_daily",
    {
        "one_row_per_day_and_branch": "One row per day and branch, and one 'all' row per day.",
        "dau_within_mau": "No more daily than monthly active users on any day and branch.",
        "cross_sell_within_holders": "No more cross-sell customers than customers with wealth "
        "products.",
        "branches_add_up_to_all": "Per day, the branch rows sum to the 'all' row in every "
        "additive column (each customer is in exactly one branch).",
    },
)
GROUP_ACTIVITY_SPECS, GROUP_ACTIVITY_CHECKS = violation_checks(
    "marts/group_activity",
    {
        "one_row_per_group": "One row per group and date.",
        "member_counts_within_members": "New, active and wealth-holding members are each at "
        "most the group's members.",
        "every_membership_counted": "The groups' members add up to graph.memberships.",
    },
)
SCENARIO_PAYMENTS_SPECS, SCENARIO_PAYMENTS_CHECKS = violation_checks(
    "marts/scenario_payments",
    {
        "one_row_per_month_and_scenario": "One row per month and scenario.",
        "holders_within_users": "Payers holding wealth products are at most the payers, payers "
        "at most the payments.",
        "every_payment_counted": "Payments and amount add up to the scenario_payment events.",
    },
)

content_spread = sql_asset(
    "marts",
    "content_spread",
    "Per item, day and chain root: reads, shares, reach through friends, depth, conversions.",
    group="marketing",
    check_specs=CONTENT_SPREAD_SPECS,
    checks=CONTENT_SPREAD_CHECKS,
)
kpi_daily = sql_asset(
    "marts",
    "kpi_daily",
    "Per day and branch (and 'all'): DAU, MAU, new users, transfers, purchases, cross-sell.",
    group="marketing",
    check_specs=KPI_DAILY_SPECS,
    checks=KPI_DAILY_CHECKS,
)
group_activity = sql_asset(
    "marts",
    "group_activity",
    "Per group and date: members, 30-day activity and messages, members' AUM and uptake.",
    by_as_of=True,
    group="marketing",
    check_specs=GROUP_ACTIVITY_SPECS,
    checks=GROUP_ACTIVITY_CHECKS,
)
scenario_payments = sql_asset(
    "marts",
    "scenario_payments",
    "Per month and payment scenario: payers, payments, amount, payers holding wealth products.",
    group="marketing",
    check_specs=SCENARIO_PAYMENTS_SPECS,
    checks=SCENARIO_PAYMENTS_CHECKS,
)
