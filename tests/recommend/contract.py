"""The contract every recommendation kind passes, as implicit's models pass its
``RecommenderBaseTestMixin``: subclass it, name the kind, and say how to produce its rows."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from wealthgraph.landing import PERSONAL_FIELDS
from wealthgraph.warehouse import latest_day

COLUMNS = {
    "customer_id": pl.String,
    "rank": pl.Int64,
    "item_id": pl.String,
    "score": pl.Float64,
    "reasons": pl.List(pl.String),
    "model_version": pl.String,
}


class RecommenderContract:
    """Mixin: ``kind``, ``top_n``, ``catalog_sql`` (the ids an item may be) and ``produce``."""

    kind: str
    top_n: int
    catalog_sql: str

    def produce(self, con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pl.DataFrame:
        raise NotImplementedError

    def _rows(self, con) -> pl.DataFrame:
        # SQL kinds return rows in no particular order; the contract is about content
        return self.produce(con, latest_day(con)).select(list(COLUMNS)).sort("customer_id", "rank")

    def test_columns_and_types(self, con):
        frame = self.produce(con, latest_day(con))
        assert {k: frame.schema[k] for k in COLUMNS} == COLUMNS
        assert not set(frame.columns) & set(PERSONAL_FIELDS)

    def test_recommends_someone(self, con):
        assert self._rows(con).height > 0

    def test_ranks_run_one_to_n_within_top_n(self, con):
        per_user = (
            self._rows(con)
            .group_by("customer_id")
            .agg(n=pl.len(), max_rank=pl.col("rank").max(), distinct=pl.col("rank").n_unique())
        )
        assert per_user.filter(
            (pl.col("n") != pl.col("max_rank")) | (pl.col("distinct") != pl.col("n"))
        ).is_empty()
        assert per_user["n"].max() <= self.top_n

    def test_best_first_and_no_repeats(self, con):
        rows = self._rows(con).sort("customer_id", "rank")
        worse = rows.filter(pl.col("score") > pl.col("score").shift(1).over("customer_id") + 1e-9)
        assert worse.is_empty(), worse.head()
        assert rows.select("customer_id", "item_id").is_duplicated().sum() == 0

    def test_every_row_has_a_reason(self, con):
        rows = self._rows(con)
        empty = rows.filter(
            pl.col("reasons").list.eval(pl.element().str.len_chars() > 0).list.sum() == 0
        )
        assert empty.is_empty(), empty.head()

    def test_customers_and_items_are_known(self, con):
        rows = self._rows(con)
        customers = con.execute("select customer_id from core.customers").pl()["customer_id"]
        items = con.execute(self.catalog_sql).pl().to_series()
        assert rows["customer_id"].is_in(customers.implode()).all()
        assert rows["item_id"].is_in(items.implode()).all()

    def test_deterministic(self, con):
        first, again = self._rows(con), self._rows(con)
        assert first.drop("score").equals(again.drop("score"))
        # parallel float sums may differ in the last bits, never more
        assert (first["score"] - again["score"]).abs().max() < 1e-9

    def test_pipeline_published_exactly_these(self, con):
        published = (
            con.execute(
                "select * exclude (kind, as_of, generated_at) from marts.recommendations "
                "where kind = $1 and as_of = $2",
                [self.kind, latest_day(con)],
            )
            .pl()
            .select(list(COLUMNS))
            .sort("customer_id", "rank")
        )
        produced = self._rows(con).sort("customer_id", "rank")
        assert published.drop("score").equals(produced.drop("score"))
        assert (published["score"] - produced["score"]).abs().max() < 1e-6
