"""marts.*: the contract tables the app and the analysts read."""

import dagster as dg

from pipelines.sql_asset import sql_asset
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
    deps=[
        "features/customers",
        "features/engagement",
        "features/holdings",
        "features/topic_affinity",
        "graph/node_metrics",
    ],
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
    deps=[
        "graph/edges",
        "features/customers",
        "graph/memberships",
        "graph/node_metrics",
        "graph/communities",
        "features/behaviour",
        "core/articles",
        "core/groups",
    ],
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


def _recommendation_checks(con, as_of) -> list[dg.AssetCheckResult]:
    friend_or_self, no_reason = con.execute(
        """
        select
            count(*) filter (
                where r.kind = 'friend' and (
                    r.item_id = r.customer_id
                    or exists (
                        select 1 from graph.edges e
                        where e.relation = 'friend'
                        and e.src_id = least(r.customer_id, r.item_id)
                        and e.dst_id = greatest(r.customer_id, r.item_id)
                    )
                )
            ),
            count(*) filter (where len(coalesce(r.reasons, [])) = 0)
        from marts.recommendations r
        where r.as_of = $1
        """,
        [as_of],
    ).fetchone()
    return [
        dg.AssetCheckResult(
            check_name="no_existing_friend_or_self",
            passed=friend_or_self == 0,
            metadata={"violations": friend_or_self},
        ),
        dg.AssetCheckResult(
            check_name="every_row_has_a_reason",
            passed=no_reason == 0,
            metadata={"rows_without_reason": no_reason},
        ),
    ]


recommendations = sql_asset(
    "marts",
    "recommendations",
    "Per customer, kind and rank: the recommended item, score and reasons the app shows.",
    deps=["graph/people_you_may_know"],
    by_as_of=True,
    check_specs=[
        _spec(
            "marts",
            "recommendations",
            "no_existing_friend_or_self",
            "People you may know never suggests an existing friend or the customer.",
        ),
        _spec(
            "marts",
            "recommendations",
            "every_row_has_a_reason",
            "Every recommendation carries at least one reason.",
        ),
    ],
    checks=_recommendation_checks,
)
