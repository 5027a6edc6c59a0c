"""Every recommendation kind passes the contract on the sample warehouse."""

from __future__ import annotations

import polars as pl

from tests.recommend.contract import RecommenderContract
from wealthgraph.config import GRAPH, RECOMMEND, sql_params
from wealthgraph.graph import people_you_may_know
from wealthgraph.recommend import products
from wealthgraph.sql import query


def _sql_kind(con, as_of, name: str) -> pl.DataFrame:
    return query(con, "recommend", name, {"as_of": as_of, **sql_params()})


class TestProducts(RecommenderContract):
    kind = "product"
    top_n = RECOMMEND.top_n_product
    catalog_sql = "select product_id from core.products where product_class <> 'loan'"

    def produce(self, con, as_of):
        return products.recommend(products.fit(products.load_inputs(con, as_of)))


class TestLoans(RecommenderContract):
    kind = "loan"
    top_n = RECOMMEND.top_n_loan
    catalog_sql = "select product_id from core.products where product_class = 'loan'"

    def produce(self, con, as_of):
        return _sql_kind(con, as_of, "loans")


class TestTopics(RecommenderContract):
    kind = "topic"
    top_n = RECOMMEND.top_n_topic
    catalog_sql = "select distinct topic from core.articles"

    def produce(self, con, as_of):
        return _sql_kind(con, as_of, "topics")


class TestActivities(RecommenderContract):
    kind = "activity"
    top_n = RECOMMEND.top_n_activity
    catalog_sql = "select group_id from core.groups where kind in ('industry', 'interest')"

    def produce(self, con, as_of):
        return _sql_kind(con, as_of, "activities")


class TestFriends(RecommenderContract):
    kind = "friend"
    top_n = GRAPH.pymk_top_n
    catalog_sql = "select customer_id from core.customers"

    def produce(self, con, as_of):
        friends = con.execute(
            "select src_id, dst_id, tie_strength as weight from graph.edges "
            "where edge_kind = 'customer' and relation = 'friend'"
        ).pl()
        groups = con.execute("select customer_id, group_id from graph.memberships").pl()
        found = people_you_may_know(
            friends, groups, top_n=GRAPH.pymk_top_n, max_group_size=GRAPH.pymk_max_group_size
        )
        return found.select(
            "customer_id",
            "rank",
            item_id="candidate_id",
            score="score",
            reasons=pl.concat_list("reason"),
            model_version=pl.lit("pymk-weighted-adamic-adar-v1"),
        )
