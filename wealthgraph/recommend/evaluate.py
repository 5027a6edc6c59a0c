"""Offline evaluation on the bank's own data: time splits at several cutoffs, baselines from the
same run, and a paired bootstrap CI of the production model's lead over each baseline.

Per cutoff (``as_of`` minus each of ``eval_cutoffs_days``): train = the warehouse replayed as of
the cutoff (``pipelines.replay``); test = what each customer did in the ``eval_test_days`` after
it, three tasks:

- ``product``: products bought;
- ``topic_new``: topics read that the customer had not read in the 90 days up to the cutoff;
- ``topic_any``: topics read, read before or not.

``social_blend`` is the production recommender's output at the cutoff (hard filters, and for
products the diversity cap, included), scored at the length customers see (``top_n_product``,
``top_n_topic``). The baselines fit on the same training data: most popular and ALS alone at
the setting in force (``product_als``, ``topic_als``: ``wealthgraph.recommend.bank_tuning``); for
products they rank within the same hard filters as production (suitability, minimum amount, on
sale, not held unless it takes top-ups: what the bank may show anyone), for ``topic_new`` only
among topics not yet read. Users are the customers with at least one test item; every baseline
row carries the production model's nDCG minus its own, mean over the same customers, with a
paired bootstrap 95% CI (:func:`paired_bootstrap`).
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
from wealthgraph.recommend.metrics import per_user_metrics, ranking_metrics
from wealthgraph.recommend.model import BlendWeights, SocialBlend, batches, top_n

TASKS = ("product", "topic_new", "topic_any")
PRODUCTION = "social_blend"
BASELINES = {"popularity": BlendWeights(0, 0, 0, 1), "als": BlendWeights(1, 0, 0, 0)}
METRICS = ("precision", "recall", "ndcg", "map", "coverage", "novelty")
# the 90 days of features.topic_affinity: "read before" for topic_new
TOPIC_HISTORY_DAYS = 90


def paired_bootstrap(
    a: np.ndarray, b: np.ndarray, resamples: int = 1000, seed: int = 0
) -> tuple[float, float, float]:
    """Mean of ``a - b`` over paired users and its percentile bootstrap 95% CI.

    Users are resampled with replacement ``resamples`` times (seeded); an interval that excludes
    0 says the difference is not the luck of which customers were in the test. No users: zeros.
    """
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if diff.size == 0:
        return 0.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    for start in range(0, resamples, 100):  # 100 resamples at a time bounds the memory
        stop = min(start + 100, resamples)
        picks = rng.integers(diff.size, size=(stop - start, diff.size))
        means[start:stop] = diff[picks].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(diff.mean()), float(low), float(high)


def cutoffs(
    as_of: dt.date, first_day: dt.date | None, config: RecommendConfig = RECOMMEND
) -> list[dt.date]:
    """The cutoffs to evaluate, latest first: ``as_of`` minus each of ``eval_cutoffs_days``,
    those with at least ``eval_min_history_days`` days of events up to and including them."""
    if first_day is None:
        return []
    days = sorted(set(config.eval_cutoffs_days))
    return [
        as_of - dt.timedelta(days=d)
        for d in days
        if d > 0
        and (as_of - dt.timedelta(days=d) - first_day).days + 1 >= config.eval_min_history_days
    ]


def window_end(cutoff: dt.date, as_of: dt.date, config: RecommendConfig = RECOMMEND) -> dt.date:
    """Last day of the cutoff's test window: ``eval_test_days`` after it, at most ``as_of``."""
    return min(cutoff + dt.timedelta(days=config.eval_test_days), as_of)


def product_test(con: duckdb.DuckDBPyConnection, cutoff: dt.date, end: dt.date) -> pl.DataFrame:
    """customer_id, item_id: products bought after ``cutoff`` up to ``end`` (both days)."""
    return con.execute(
        """
        select distinct user_id as customer_id, target_id as item_id
        from core.events
        where event_type = 'product_buy' and ts >= $1::date + 1 and ts < $2::date + 1
        """,
        [cutoff, end],
    ).pl()


def topic_test(
    con: duckdb.DuckDBPyConnection, cutoff: dt.date, end: dt.date, new_only: bool = True
) -> pl.DataFrame:
    """customer_id, item_id: topics read after ``cutoff`` up to ``end``; with ``new_only``, only
    those the customer had not read in the 90 days up to the cutoff (``topic_new``)."""
    before = """
        except
        select customer_id, item_id from reads
        where ts < $1::date + 1 and ts >= $1::date + 1 - $3::integer
    """
    return con.execute(
        f"""
        with reads as (
            select e.user_id as customer_id, a.topic as item_id, e.ts
            from core.events e join core.articles a on a.article_id = e.target_id
            where e.event_type = 'article_read' and e.ts < $2::date + 1
        )
        select distinct customer_id, item_id from reads
        where ts >= $1::date + 1
        {before if new_only else ""}
        """,
        [cutoff, end, TOPIC_HISTORY_DAYS] if new_only else [cutoff, end],
    ).pl()


def held_out_pairs(
    con: duckdb.DuckDBPyConnection, cutoff: dt.date, end: dt.date
) -> dict[str, pl.DataFrame]:
    """Each task's held-out (customer_id, item_id) pairs for one cutoff, read from ``con``."""
    return {
        "product": product_test(con, cutoff, end),
        "topic_new": topic_test(con, cutoff, end, new_only=True),
        "topic_any": topic_test(con, cutoff, end, new_only=False),
    }


def evaluate_cutoff(
    replay: duckdb.DuckDBPyConnection,
    held_out: dict[str, pl.DataFrame],
    cutoff: dt.date,
    config: RecommendConfig = RECOMMEND,
) -> list[dict]:
    """Every task's rows for one cutoff: ``replay`` is the warehouse replayed at ``cutoff``,
    ``held_out`` what :func:`held_out_pairs` read from the full warehouse."""
    rows = evaluate_products(replay, held_out["product"], cutoff, config)
    for task in ("topic_new", "topic_any"):
        rows += evaluate_topics(replay, held_out[task], cutoff, config, task)
    return [{"cutoff": cutoff, **row} for row in rows]


def _lists(frame: pl.DataFrame, users: pl.DataFrame, items: pl.DataFrame, k: int) -> np.ndarray:
    """Recommendation rows (customer_id, rank, item_id) -> users x k item indices, -1 padded."""
    out = np.full((users.height, k), -1, dtype=np.int64)
    rows = frame.filter(pl.col("rank") <= k).join(users, on="customer_id").join(items, on="item_id")
    out[rows["u"].to_numpy(), rows["rank"].to_numpy() - 1] = rows["i"].to_numpy()
    return out


def _test_matrix(test: pl.DataFrame, users: pl.DataFrame, items: pl.DataFrame) -> sp.csr_matrix:
    pairs = test.join(users, on="customer_id").join(items, on="item_id")
    matrix = sp.csr_matrix(
        (np.ones(pairs.height), (pairs["u"].to_numpy(), pairs["i"].to_numpy())),
        shape=(users.height, items.height),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def _compare(
    task: str,
    lists: dict[str, np.ndarray],
    seconds: dict[str, float],
    held_out: sp.csr_matrix,
    popularity: np.ndarray,
    k: int,
    config: RecommendConfig,
) -> list[dict]:
    """One row per model: metrics at ``k`` over the customers with test items, and for each
    baseline the production model's nDCG minus its own with the bootstrap CI."""
    everyone = np.arange(held_out.shape[0])
    tested = np.diff(held_out.indptr) > 0
    ndcg = {
        name: per_user_metrics(ids, held_out, everyone, k)["ndcg"] for name, ids in lists.items()
    }
    rows = []
    for name, ids in lists.items():
        metrics = dict.fromkeys(METRICS) | ranking_metrics(ids, held_out, everyone, popularity, k)
        delta = (
            (None, None, None)
            if name == PRODUCTION
            else paired_bootstrap(
                ndcg[PRODUCTION], ndcg[name], config.eval_resamples, config.eval_seed
            )
        )
        rows.append(
            {
                "task": task,
                "model": name,
                "k": k,
                "users": int(tested.sum()),
                "test_pairs": int(held_out[tested].nnz),
                **{m: metrics[m] for m in METRICS},
                "blend_ndcg_delta": delta[0],
                "blend_delta_low": delta[1],
                "blend_delta_high": delta[2],
                "seconds": round(seconds[name], 2),
            }
        )
    return rows


def _eligible_top(model: SocialBlend, fitted: products.ProductModel, k: int) -> np.ndarray:
    """A baseline's top ``k`` per customer within production's hard filters, -1 padded."""
    held, _ = products._held(fitted)
    eligible = products._eligibility(fitted.inputs)
    n_users, n_items = fitted.customers.height, fitted.products.height
    out = []
    for batch in batches(np.arange(n_users), n_items):
        scores = model.score(batch)
        scores[~eligible(batch, held[batch].toarray() > 0)] = -np.inf
        ids, values = top_n(scores, k)
        ids[~np.isfinite(values)] = -1
        out.append(ids)
    return np.vstack(out) if out else np.zeros((0, k), dtype=np.int64)


def evaluate_products(
    replay: duckdb.DuckDBPyConnection,
    test: pl.DataFrame,
    cutoff: dt.date,
    config: RecommendConfig = RECOMMEND,
) -> list[dict]:
    """Blend (production output at the cutoff) vs popularity and ALS (``product_als``) on its
    matrix, the baselines ranked within the same hard filters."""
    k = config.top_n_product
    started = time.perf_counter()
    fitted = products.fit(products.load_inputs(replay, cutoff), config)
    users = fitted.customers
    items = fitted.products.rename({"product_id": "item_id"})
    lists = {PRODUCTION: _lists(products.recommend(fitted, config), users, items, k)}
    seconds = {PRODUCTION: time.perf_counter() - started}
    held_out = _test_matrix(test, users, items)
    popularity = np.asarray((fitted.user_items > 0).sum(axis=0)).ravel() / max(users.height, 1)
    for name, weights in BASELINES.items():
        started = time.perf_counter()
        model = SocialBlend(weights, als=config.product_als).fit(fitted.user_items)
        lists[name] = _eligible_top(model, fitted, k)
        seconds[name] = time.perf_counter() - started
    return _compare("product", lists, seconds, held_out, popularity, k, config)


def evaluate_topics(
    replay: duckdb.DuckDBPyConnection,
    test: pl.DataFrame,
    cutoff: dt.date,
    config: RecommendConfig = RECOMMEND,
    task: str = "topic_new",
) -> list[dict]:
    """The production topic recommender at the cutoff vs the most-read topics and ALS
    (``topic_als``) on the customer x topic engagement of the 90 days up to it (for
    ``topic_new`` both leave out the topics the customer read; the production list is scored as
    it is)."""
    k = config.top_n_topic
    new_only = task == "topic_new"
    users, items, train = topic_matrix(replay, cutoff)
    held_out = _test_matrix(test, users, items)
    everyone = np.arange(users.height)
    popularity = np.asarray((train > 0).sum(axis=0)).ravel() / max(users.height, 1)
    blend = replay.execute(
        "select customer_id, rank, item_id from recommend.topics where as_of = $1", [cutoff]
    ).pl()
    lists = {PRODUCTION: _lists(blend, users, items, k)}
    seconds = {PRODUCTION: 0.0}
    for name, weights in BASELINES.items():
        started = time.perf_counter()
        model = SocialBlend(weights, als=config.topic_als).fit(train)
        lists[name], _ = model.recommend(everyone, k, exclude_held=new_only)
        seconds[name] = time.perf_counter() - started
    return _compare(task, lists, seconds, held_out, popularity, k, config)


def topic_matrix(
    replay: duckdb.DuckDBPyConnection, cutoff: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame, sp.csr_matrix]:
    """Customers (customer_id, u), topics (item_id, i) and the customer x topic engagement of
    the 90 days up to ``cutoff`` (features.topic_affinity's score): the topic baselines' input."""
    users = (
        replay.execute(
            "select customer_id from features.customers where as_of = $1 order by 1", [cutoff]
        )
        .pl()
        .with_row_index("u")
    )
    items = (
        replay.execute("select distinct topic as item_id from core.articles order by 1")
        .pl()
        .with_row_index("i")
    )
    engagement = (
        replay.execute(
            """
            select customer_id, topic as item_id, score
            from features.topic_affinity where as_of = $1
            """,
            [cutoff],
        )
        .pl()
        .join(users, on="customer_id")
        .join(items, on="item_id")
    )
    train = sp.csr_matrix(
        (
            engagement["score"].to_numpy().astype(np.float32),
            (engagement["u"].to_numpy(), engagement["i"].to_numpy()),
        ),
        shape=(users.height, items.height),
    )
    return users, items, train
