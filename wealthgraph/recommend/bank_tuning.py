"""Tune the bank's recommenders on a validation window that ends where testing begins.

``python -m pipelines.tune_bank --db WAREHOUSE`` (the replay is Dagster's, so the command lives
there): the warehouse is replayed at the
validation cutoff, ``as_of - (max(eval_cutoffs_days) + eval_test_days)``, and the labels are
what customers did in the ``eval_test_days`` after it, so the window ends where the earliest
test window of ``quality.recommendation_eval`` begins and tuning never sees a test label. Three
searches, each scored by nDCG at the list length customers see:

1. the product ALS alone, ranked within production's hard filters (optuna over factors,
   regularization, iterations, alpha and confidence weighting: :func:`tune.search_als`);
2. the product blend's weights and its diversity cap (``max_per_class``) on top of that ALS
   (ALS fixed at 1; social, co-holding and popularity searched), scored on production's own
   lists (:func:`products.ranked_lists`: hard filters and the cap included); the ALS alone
   without a cap is one of the trials, so the blend is adopted only where it beats it;
3. the topic ALS (the ``topic_any`` task's baseline).

It prints each search's best trials and the ``RecommendConfig`` lines to paste; the config is
code, reviewed like code, so nothing is written back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import numpy as np
import optuna
import polars as pl
import scipy.sparse as sp

from wealthgraph.config import RECOMMEND, AlsParams, RecommendConfig
from wealthgraph.recommend import evaluate as ev
from wealthgraph.recommend import products
from wealthgraph.recommend.metrics import ranking_metrics
from wealthgraph.recommend.model import BlendWeights, SocialBlend
from wealthgraph.recommend.tune import search_als


@dataclasses.dataclass(frozen=True)
class Tuned:
    """What the searches found, with the validation nDCG before (the config in force) and after."""

    cutoff: dt.date
    product_als: AlsParams
    weights: BlendWeights
    max_per_class: int
    topic_als: AlsParams
    scores: pl.DataFrame  # search, setting, val_ndcg

    def config_lines(self) -> str:
        w = self.weights
        return "\n".join(
            [
                f"    als_weight: float = {w.als:.3g}",
                f"    social_weight: float = {w.social:.3g}",
                f"    coholding_weight: float = {w.coholding:.3g}",
                f"    popularity_weight: float = {w.popularity:.3g}",
                f"    max_per_class: int = {self.max_per_class}",
                f"    product_als: AlsParams = {self.product_als!r}",
                f"    topic_als: AlsParams = {self.topic_als!r}",
            ]
        )


def validation_cutoff(as_of: dt.date, config: RecommendConfig = RECOMMEND) -> dt.date:
    """The cutoff whose ``eval_test_days`` end where the earliest test window begins."""
    return as_of - dt.timedelta(days=max(config.eval_cutoffs_days) + config.eval_test_days)


def _ndcg(ids: np.ndarray, labels: sp.csr_matrix, k: int) -> float:
    everyone = np.arange(labels.shape[0])
    shares = np.ones(labels.shape[1])
    return float(ranking_metrics(ids, labels, everyone, shares, k).get("ndcg", 0.0))


def _before_after(
    search: str, in_force: str, tuned: str, table: pl.DataFrame, chosen: float | None = None
) -> list[dict]:
    """A search's two rows: the setting in force (its first trial) and the one picked
    (``chosen``'s score; by default the best found)."""
    return [
        {
            "search": search,
            "setting": f"in force: {in_force}",
            "val_ndcg": float(table.filter(pl.col("trial") == 0)["val_ndcg"][0]),
        },
        {
            "search": search,
            "setting": f"tuned: {tuned}",
            "val_ndcg": float(table["val_ndcg"].max()) if chosen is None else chosen,
        },
    ]


def _score(table: pl.DataFrame, params: AlsParams) -> float:
    return float(table.filter(pl.col("params") == params.text())["val_ndcg"].max())


def tune_products(
    replay: duckdb.DuckDBPyConnection,
    labels: pl.DataFrame,
    cutoff: dt.date,
    trials: int,
    seed: int,
    config: RecommendConfig = RECOMMEND,
    within: float = 0.0,
) -> tuple[AlsParams, BlendWeights, int, list[dict]]:
    """Product ALS first, then the blend's weights and cap on top of it (module docstring)."""
    k = config.top_n_product
    fitted = products.fit(products.load_inputs(replay, cutoff), config)
    items = fitted.products.rename({"product_id": "item_id"})
    held_out = ev._test_matrix(labels, fitted.customers, items)
    buyers = int((np.diff(held_out.indptr) > 0).sum())
    print(f"products: {held_out.nnz:,} validation buys by {buyers:,} customers")

    def als_score(params: AlsParams) -> float:
        model = SocialBlend(BlendWeights(1, 0, 0, 0), als=params, random_state=seed)
        return _ndcg(ev._eligible_top(model.fit(fitted.user_items), fitted, k), held_out, k)

    best_als, table = search_als(
        als_score, trials, seed, first=(config.product_als,), within=within
    )
    rows = _before_after(
        "product ALS", config.product_als.text(), best_als.text(), table, _score(table, best_als)
    )
    print(table.head(5))

    tuned = dataclasses.replace(config, product_als=best_als)
    fitted = products.fit(
        fitted.inputs,
        dataclasses.replace(
            tuned, als_weight=1.0, social_weight=1.0, coholding_weight=1.0, popularity_weight=1.0
        ),
    )
    in_force = BlendWeights(
        config.als_weight, config.social_weight, config.coholding_weight, config.popularity_weight
    )

    def blend_score(weights: BlendWeights, cap: int) -> float:
        fitted.model.weights = weights
        lists = products.ranked_lists(fitted, dataclasses.replace(tuned, max_per_class=cap))
        return _ndcg(lists, held_out, k)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.enqueue_trial(
        {
            "social": in_force.social,
            "coholding": in_force.coholding,
            "popularity": in_force.popularity,
            "max_per_class": config.max_per_class,
        }
    )
    # the tuned ALS alone, uncapped: what the blend has to beat to earn its sources
    study.enqueue_trial({"social": 0.0, "coholding": 0.0, "popularity": 0.0, "max_per_class": k})
    study.optimize(
        lambda t: blend_score(
            BlendWeights(
                1.0,
                t.suggest_float("social", 0.0, 2.0, step=0.05),
                t.suggest_float("coholding", 0.0, 2.0, step=0.05),
                t.suggest_float("popularity", 0.0, 2.0, step=0.05),
            ),
            t.suggest_int("max_per_class", 1, k),
        ),
        n_trials=trials,
    )
    best = study.best_params
    weights = BlendWeights(1.0, best["social"], best["coholding"], best["popularity"])
    cap = int(best["max_per_class"])
    blend = pl.DataFrame(
        {"trial": [t.number for t in study.trials], "val_ndcg": [t.value for t in study.trials]}
    )
    alone = float(blend.filter(pl.col("trial") == 1)["val_ndcg"][0])
    print(f"the tuned ALS alone through production's lists, no cap: {alone:.4f}")
    rows += _before_after(
        "product blend",
        f"{in_force}, cap {config.max_per_class}, on the tuned ALS",
        f"{weights}, cap {cap}",
        blend,
    )
    rows.insert(
        len(rows) - 1,
        {"search": "product blend", "setting": "the tuned ALS alone, no cap", "val_ndcg": alone},
    )
    return best_als, weights, cap, rows


def tune_topics(
    replay: duckdb.DuckDBPyConnection,
    labels: pl.DataFrame,
    cutoff: dt.date,
    trials: int,
    seed: int,
    config: RecommendConfig = RECOMMEND,
    within: float = 0.0,
) -> tuple[AlsParams, list[dict]]:
    """The topic ALS on the ``topic_any`` labels, fitted on features.topic_affinity."""
    k = config.top_n_topic
    users, items, train = ev.topic_matrix(replay, cutoff)
    held_out = ev._test_matrix(labels, users, items)
    everyone = np.arange(users.height)

    def score(params: AlsParams) -> float:
        model = SocialBlend(BlendWeights(1, 0, 0, 0), als=params, random_state=seed).fit(train)
        return _ndcg(model.recommend(everyone, k, exclude_held=False)[0], held_out, k)

    best, table = search_als(score, trials, seed, first=(config.topic_als,), within=within)
    print(table.head(5))
    rows = _before_after(
        "topic ALS", config.topic_als.text(), best.text(), table, _score(table, best)
    )
    return best, rows
