"""The recommenders read features.*, graph.*, core.* and recommend.* (the reference tables one
fit hands the others, such as loan uptake), never a mart: data flows one way, core -> features
-> graph/recommend -> marts -> published, so a mart can show recommendations without a
recommender depending on a mart."""

from __future__ import annotations

import pytest

from wealthgraph.recommend import products
from wealthgraph.sql import SQL_ROOT, sql_shape

RECOMMEND_SQL = sorted(path.stem for path in SQL_ROOT.glob("recommend/*.sql"))


@pytest.mark.parametrize("name", RECOMMEND_SQL)
def test_recommender_sql_reads_no_mart(name: str):
    reads = sql_shape("recommend", name).reads
    assert reads, f"sql/recommend/{name}.sql reads no table"
    assert {table.split(".")[0] for table in reads} <= {"features", "graph", "core", "recommend"}, (
        f"sql/recommend/{name}.sql reads {sorted(reads)}"
    )


def test_every_product_query_file_is_an_input():
    files = {name for name in RECOMMEND_SQL if name.startswith("products_")}
    assert files == set(products.INPUT_QUERIES.values())
