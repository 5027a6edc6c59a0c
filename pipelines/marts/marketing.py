"""marts.* of the marketing domain: how content spreads, groups, payment scenarios, daily KPIs."""

from pipelines.sql_asset import sql_asset
from pipelines.violations import violation_checks

CONTENT_SPREAD_SPECS, CONTENT_SPREAD_CHECKS = violation_checks("marts.content_spread")
KPI_DAILY_SPECS, KPI_DAILY_CHECKS = violation_checks("marts.kpi_daily")
GROUP_ACTIVITY_SPECS, GROUP_ACTIVITY_CHECKS = violation_checks("marts.group_activity")
SCENARIO_PAYMENTS_SPECS, SCENARIO_PAYMENTS_CHECKS = violation_checks("marts.scenario_payments")

content_spread = sql_asset(
    "marts",
    "content_spread",
    group="marketing",
    check_specs=CONTENT_SPREAD_SPECS,
    checks=CONTENT_SPREAD_CHECKS,
)
kpi_daily = sql_asset(
    "marts",
    "kpi_daily",
    group="marketing",
    check_specs=KPI_DAILY_SPECS,
    checks=KPI_DAILY_CHECKS,
)
group_activity = sql_asset(
    "marts",
    "group_activity",
    by_as_of=True,
    group="marketing",
    check_specs=GROUP_ACTIVITY_SPECS,
    checks=GROUP_ACTIVITY_CHECKS,
)
scenario_payments = sql_asset(
    "marts",
    "scenario_payments",
    group="marketing",
    check_specs=SCENARIO_PAYMENTS_SPECS,
    checks=SCENARIO_PAYMENTS_CHECKS,
)
