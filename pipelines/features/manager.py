"""features.* of the manager domain: each inquiry and its reply, each recommendation and the
purchases it converted."""

from pipelines.sql_asset import sql_asset

manager_inquiries = sql_asset(
    "features",
    "manager_inquiries",
    group="manager",
)

recommendation_outcomes = sql_asset(
    "features",
    "recommendation_outcomes",
    group="manager",
)
