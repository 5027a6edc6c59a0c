"""marts.* of the manager domain (客户经理): what managers did for their book, and the lead
pool (抢单)."""

from pipelines.sql_asset import sql_asset
from pipelines.violations import violation_checks

RM_PERFORMANCE_SPECS, RM_PERFORMANCE_CHECKS = violation_checks("marts.rm_performance")
LEAD_POOL_SPECS, LEAD_POOL_CHECKS = violation_checks("marts.lead_pool")

rm_performance = sql_asset(
    "marts",
    "rm_performance",
    group="manager",
    check_specs=RM_PERFORMANCE_SPECS,
    checks=RM_PERFORMANCE_CHECKS,
)
lead_pool = sql_asset(
    "marts",
    "lead_pool",
    by_as_of=True,
    group="manager",
    check_specs=LEAD_POOL_SPECS,
    checks=LEAD_POOL_CHECKS,
)
