"""marts.*: the contract tables the app and the analysts read."""

import dagster as dg

from pipelines.metadata import check_specs
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


user_profile = sql_asset(
    "marts",
    "user_profile",
    by_as_of=True,
    check_specs=check_specs("marts.user_profile"),
    checks=lambda con, as_of: [_one_row_per_customer("marts.user_profile")(con, as_of)],
)
social_map = sql_asset(
    "marts",
    "social_map",
    by_as_of=True,
    check_specs=check_specs("marts.social_map"),
    checks=lambda con, as_of: [_one_row_per_customer("marts.social_map")(con, as_of)],
)


RECOMMENDATION_SPECS, RECOMMENDATION_CHECKS = violation_checks("marts.recommendations")


recommendations = sql_asset(
    "marts",
    "recommendations",
    by_as_of=True,
    check_specs=RECOMMENDATION_SPECS,
    checks=RECOMMENDATION_CHECKS,
)
