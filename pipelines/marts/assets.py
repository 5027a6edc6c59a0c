"""marts.*: the contract tables the app and the analysts read."""

import dagster as dg

from pipelines.sql_asset import sql_asset
from pipelines.violations import violation_checks
from wealthgraph.landing import PERSONAL_FIELDS


def _one_row_per_customer(table: str):
    def check(con, as_of) -> dg.AssetCheckResult:
        duplicates, columns = con.execute(
            f"""
            select
                (select count(*) - count(distinct customer_id) from {table} where as_of = $1),
                (select list(column_name) from duckdb_columns()
                 where schema_name || '.' || table_name = $2)
            """,
            [as_of, table],
        ).fetchone()
        personal = sorted(set(columns) & set(PERSONAL_FIELDS))
        return dg.AssetCheckResult(
            check_name="one_row_per_customer_no_personal_data",
            passed=duplicates == 0 and not personal,
            metadata={
                "duplicate_rows": duplicates,
                "personal_columns": ", ".join(personal) or "none",
            },
        )

    return check


def _spec(schema: str, name: str, check: str, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        check, asset=dg.AssetKey([schema, name]), blocking=True, description=description
    )


user_profile = sql_asset(
    "marts",
    "user_profile",
    "Per customer and as-of date: the point-in-time user profile (用户画像), ids only.",
    by_as_of=True,
    check_specs=[
        _spec(
            "marts",
            "user_profile",
            "one_row_per_customer_no_personal_data",
            "One row per customer and date; no name, phone or ID number column.",
        )
    ],
    checks=lambda con, as_of: [_one_row_per_customer("marts.user_profile")(con, as_of)],
)
social_map = sql_asset(
    "marts",
    "social_map",
    "Per customer and date: top contacts, circles, influence, 30-day behaviour (社交图谱).",
    by_as_of=True,
    check_specs=[
        _spec(
            "marts",
            "social_map",
            "one_row_per_customer_no_personal_data",
            "One row per customer and date; no name, phone or ID number column.",
        )
    ],
    checks=lambda con, as_of: [_one_row_per_customer("marts.social_map")(con, as_of)],
)


RECOMMENDATION_SPECS, RECOMMENDATION_CHECKS = violation_checks(
    "marts/recommendations",
    {
        "suitable_products_only": "No product above the customer's risk tolerance, or to a "
        "customer whose risk assessment is missing or expired, or off sale, or beyond their "
        "cash.",
        "nothing_already_held_or_joined": "No held product (unless it takes top-ups), held loan, "
        "joined group, existing friend or the customer themself.",
        "top_n_per_kind": "Ranks run 1..n per customer and kind with n at most the kind's top N, "
        "and at most max_per_class products of one class.",
        "every_row_has_a_reason": "Every recommendation carries at least one reason.",
    },
)


recommendations = sql_asset(
    "marts",
    "recommendations",
    "Per customer, kind and rank: the recommended item, score and reasons the app shows.",
    by_as_of=True,
    check_specs=RECOMMENDATION_SPECS,
    checks=RECOMMENDATION_CHECKS,
)
