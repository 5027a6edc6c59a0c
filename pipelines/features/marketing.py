"""features.* of the marketing domain: each first touch with its share chain, each conversion."""

from pipelines.sql_asset import sql_asset

content_touches = sql_asset(
    "features",
    "content_touches",
    group="marketing",
)

content_conversions = sql_asset(
    "features",
    "content_conversions",
    group="marketing",
)
