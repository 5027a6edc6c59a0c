"""features.* of the marketing domain: each first touch with its share chain, each conversion."""

from pipelines.sql_asset import sql_asset

content_touches = sql_asset(
    "features",
    "content_touches",
    "Per article or product and customer: the first touch and the share chain behind it.",
    group="marketing",
)

content_conversions = sql_asset(
    "features",
    "content_conversions",
    "Per purchase and item: the read or view in the window before it that takes the credit.",
    group="marketing",
)
