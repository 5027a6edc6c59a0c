"""Offline evaluation on the bank's own data: a time split with baselines from the same run.

Train = the warehouse replayed as of ``cutoff`` (see ``pipelines.replay``); test = what each
customer bought (products) or newly started reading (topics) after the cutoff up to ``as_of``.
The blended model is the production recommender's output at the cutoff, filters included; the
baselines are most popular and plain ALS on the same training matrix.
"""

from __future__ import annotations

import datetime as dt
import time

import duckdb
import numpy as np
import polars as pl
import scipy.sparse as sp

from wealthgraph.config import RECOMMEND, RecommendConfig
from wealthgraph.recommend import products
from wealthgraph.recommend.metrics import ranking_metrics
from wealthgraph.recommend.model import BlendWeights, SocialBlend

BASELINES = {"popularity": BlendWeights(0, 0, 0, 1), "als": BlendWeights(1, 0, 0, 0)}


def product_test(con: duckdb.DuckDBPyConnection, cutoff: dt.date, as_of: dt.date) -> pl.DataFrame:
    """customer_id, item_id: products bought after ``cutoff`` up to ``as_of``."""
    return con.execute(
        """
        select distinct user_id as customer_id, target_id as item_id
        from core.events
        where event_type = 'product_buy' and ts >= $1::date + 1 and ts < $2::date + 1
        """,
        [cutoff, as_of],
    ).pl()


def topic_test(con: duckdb.DuckDBPyConnection, cutoff: dt.date, as_of: dt.date) -> pl.DataFrame:
    """customer_id, item_id: topics first read after ``cutoff`` (not read in the 90 days before)."""
    return con.execute(
        """
        with reads as (
            select e.user_id as customer_id, a.topic as item_id, e.ts
            from core.events e join core.articles a on a.article_id = e.target_id
            where e.event_type = 'article_read' and e.ts < $2::date + 1
        )
        select distinct customer_id, item_id from reads
        where ts >= $1::date + 1
        except
        select customer_id, item_id from reads
        where ts < $1::date + 1 and ts >= $1::date - 89
        """,
        [cutoff, as_of],
    ).pl()


def _lists(frame: pl.DataFrame, users: pl.DataFrame, items: pl.DataFrame, k: int) -> np.ndarray:
    """Recommendation rows (customer_id, rank, item_id) -> users x k item indices, -1 padded."""
    out = np.full((users.height, k), -1, dtype=np.int64)
    rows = frame.filter(pl.col("rank") <= k).join(users, on="customer_id").join(items, on="item_id")
    out[rows["u"].to_numpy(), rows["rank"].to_numpy() - 1] = rows["i"].to_numpy()
    return out


def _test_matrix(test: pl.DataFrame, users: pl.DataFrame, items: pl.DataFrame) -> sp.csr_matrix:
    pairs = test.join(users, on="customer_id").join(items, on="item_id")
    return sp.csr_matrix(
        (np.ones(pairs.height), (pairs["u"].to_numpy(), pairs["i"].to_numpy())),
        shape=(users.height, items.height),
    )


def _row(task: str, model: str, metrics: dict, seconds: float, k: int) -> dict:
    return {"task": task, "model": model, "k": k, **metrics, "seconds": round(seconds, 2)}


def evaluate_products(
    replay: duckdb.DuckDBPyConnection,
    test: pl.DataFrame,
    cutoff: dt.date,
    config: RecommendConfig = RECOMMEND,
) -> list[dict]:
    """Blend (production output at the cutoff) vs popularity and plain ALS on its matrix."""
    k = config.eval_k
    started = time.perf_counter()
    fitted = products.fit(products.load_inputs(replay, cutoff), config)
    fit_seconds = time.perf_counter() - started
    users = fitted.customers
    items = fitted.products.rename({"product_id": "item_id"})
    held_out = _test_matrix(test, users, items)
    everyone = np.arange(users.height)
    popularity = np.asarray((fitted.user_items > 0).sum(axis=0)).ravel() / max(users.height, 1)
    # production lists are top_n_product long; ask for k so the metric sees the same depth
    deep = RecommendConfig(**{**config.__dict__, "top_n_product": k})
    started = time.perf_counter()
    blend = products.recommend(fitted, deep)
    rows = [
        _row(
            "product",
            "social_blend",
            ranking_metrics(_lists(blend, users, items, k), held_out, everyone, popularity, k),
            fit_seconds + time.perf_counter() - started,
            k,
        )
    ]
    for name, weights in BASELINES.items():
        started = time.perf_counter()
        model = SocialBlend(
            weights, factors=config.als_factors, iterations=config.als_iterations
        ).fit(fitted.user_items)
        ids, _ = model.recommend(everyone, k)
        rows.append(
            _row(
                "product",
                name,
                ranking_metrics(ids, held_out, everyone, popularity, k),
                time.perf_counter() - started,
                k,
            )
        )
    return rows


def evaluate_topics(
    replay: duckdb.DuckDBPyConnection,
    test: pl.DataFrame,
    cutoff: dt.date,
    config: RecommendConfig = RECOMMEND,
) -> list[dict]:
    """The production topic recommender at the cutoff vs the most-read topics not yet read."""
    k = config.top_n_topic
    users = (
        replay.execute(
            "select customer_id from features.customers where as_of = $1 order by 1", [cutoff]
        )
        .pl()
        .with_row_index("u")
    )
    affinity = replay.execute(
        "select customer_id, topic as item_id, reads from features.topic_affinity where as_of = $1",
        [cutoff],
    ).pl()
    items = (
        replay.execute("select distinct topic as item_id from core.articles order by 1")
        .pl()
        .with_row_index("i")
    )
    held_out = _test_matrix(test, users, items)
    everyone = np.arange(users.height)
    readers = affinity.group_by("item_id").agg(n=pl.len()).join(items, on="item_id")
    share = np.zeros(items.height)
    share[readers["i"].to_numpy()] = readers["n"].to_numpy() / max(users.height, 1)
    blend = replay.execute("select customer_id, rank, item_id from recommend.topics").pl()
    # popularity: the most-read topics the customer has not read yet (the test holds new ones)
    popular = (
        users.join(items, how="cross")
        .join(affinity, on=["customer_id", "item_id"], how="anti")
        .join(items.with_columns(share=pl.Series(share)).drop("item_id"), on="i")
        .sort(["u", "share", "i"], descending=[False, True, False])
        .with_columns(rank=pl.int_range(1, pl.len() + 1).over("u"))
        .filter(pl.col("rank") <= k)
    )
    return [
        _row(
            "topic",
            name,
            ranking_metrics(_lists(frame, users, items, k), held_out, everyone, share, k),
            0.0,
            k,
        )
        for name, frame in (("social_blend", blend), ("popularity", popular))
    ]
