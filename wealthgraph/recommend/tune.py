"""ALS as it is tuned in practice: confidence weighting, factors, regularization, iterations, alpha.

:class:`AlsParams` holds one setting; :data:`DEFAULT_ALS` is exactly what
:class:`~wealthgraph.recommend.model.SocialBlend` fits by default (log1p confidence, 64 factors,
regularization 0.01, 15 iterations, alpha 1), so a tuned setting compares with production.
:func:`tune_als` searches a small budget of settings with optuna's seeded TPE sampler, scored by
nDCG@k on a validation split the caller carved out of the training share: the test share is
never looked at while tuning.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict

import numpy as np
import optuna
import polars as pl
import scipy.sparse as sp

from wealthgraph.config import WEIGHTINGS, AlsParams
from wealthgraph.recommend.metrics import ranking_metrics
from wealthgraph.recommend.model import als_scores, batches, drop_held, fit_als, top_n, weigh

__all__ = ["WEIGHTINGS", "AlsParams", "als_scores", "fit_als", "weigh"]

DEFAULT_ALS = AlsParams()  # SocialBlend's defaults, log1p confidence
# the setting the issue saw match the blend on another dataset: binary, reg 0.05, 20 iterations
BINARY_ALS = AlsParams(regularization=0.05, iterations=20, weighting="binary")


def top_k(
    score: Callable[[np.ndarray], np.ndarray], held: sp.csr_matrix, users: np.ndarray, k: int
) -> np.ndarray:
    """Top ``k`` item ids per user from ``score(batch)``, held items excluded, -1 padded."""
    out = np.full((len(users), k), -1, dtype=np.int64)
    start = 0
    for batch in batches(users, held.shape[1]):
        scores = score(batch).astype(np.float32, copy=False)
        drop_held(scores, held[batch])
        ids, values = top_n(scores, k)
        ids[~np.isfinite(values)] = -1
        out[start : start + len(batch), : ids.shape[1]] = ids
        start += len(batch)
    return out


def validation_ndcg(
    train: sp.csr_matrix, valid: sp.csr_matrix, params: AlsParams, seed: int, k: int
) -> float:
    """nDCG@k on ``valid`` of ALS with ``params`` fitted on ``train``."""
    als = fit_als(train, params, seed)
    users = np.flatnonzero(np.diff(sp.csr_matrix(valid).indptr))
    ids = top_k(lambda batch: als_scores(als, batch), sp.csr_matrix(train), users, k)
    shares = np.ones(train.shape[1])
    return ranking_metrics(ids, valid, users, shares, k).get("ndcg", 0.0)


def _suggest(trial: optuna.Trial) -> AlsParams:
    """The search space: what practitioners tune for implicit ALS, on log scales."""
    weighting = trial.suggest_categorical("weighting", list(WEIGHTINGS))
    extra = {}
    if weighting == "bm25":
        extra = {
            "bm25_k1": trial.suggest_float("bm25_k1", 1.0, 1000.0, log=True),
            "bm25_b": trial.suggest_float("bm25_b", 0.0, 1.0),
        }
    return AlsParams(
        factors=trial.suggest_int("factors", 16, 256, log=True),
        regularization=trial.suggest_float("regularization", 1e-3, 10.0, log=True),
        iterations=trial.suggest_int("iterations", 5, 40),
        alpha=trial.suggest_float("alpha", 0.1, 100.0, log=True),
        weighting=weighting,
        **extra,
    )


def _enqueue(study: optuna.Study, params: AlsParams) -> None:
    values = asdict(params)
    if params.weighting != "bm25":
        values.pop("bm25_k1")
        values.pop("bm25_b")
    study.enqueue_trial(values)


def tune_als(
    train: sp.csr_matrix,
    valid: sp.csr_matrix,
    trials: int = 30,
    seed: int = 42,
    k: int = 10,
    timeout: float | None = None,
) -> tuple[AlsParams, pl.DataFrame]:
    """Search ALS settings by nDCG@k on ``valid`` (fitted on ``train``), ``trials`` of them:
    :func:`search_als` with :func:`validation_ndcg` as the score."""
    return search_als(
        lambda params: validation_ndcg(train, valid, params, seed, k), trials, seed, timeout
    )


def search_als(
    score: Callable[[AlsParams], float],
    trials: int = 30,
    seed: int = 42,
    timeout: float | None = None,
    first: tuple[AlsParams, ...] = (DEFAULT_ALS, BINARY_ALS),
    within: float = 0.0,
) -> tuple[AlsParams, pl.DataFrame]:
    """Search ALS settings by ``score(params)`` (higher is better, measured on validation).

    The first trials are ``first`` (by default the production default, :data:`DEFAULT_ALS`,
    and the binary setting of :data:`BINARY_ALS`), so the search can only match or beat them on
    validation; the rest come from optuna's TPE sampler seeded with ``seed``. With ``within``
    > 0 the pick is the cheapest trial (fewest factors x iterations, the fit's cost) scoring at
    most ``within`` below the best: a difference that small is noise on a validation window,
    while the cost is paid every night.

    Returns
    -------
    best, table
        The best setting and one row per trial (its setting, validation score as ``val_ndcg``,
        seconds), best first.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    for params in first:
        _enqueue(study, params)
    rows: list[dict[str, object]] = []

    def objective(trial: optuna.Trial) -> float:
        params = _suggest(trial)
        started = time.perf_counter()
        value = score(params)
        rows.append(
            {"trial": trial.number, "val_ndcg": value, "seconds": time.perf_counter() - started}
            | {"params": params.text()}
        )
        trial.set_user_attr("params", asdict(params))
        return value

    study.optimize(objective, n_trials=trials, timeout=timeout)
    done = [t for t in study.trials if t.value is not None]
    top = max(t.value for t in done)
    near = [t for t in done if t.value >= top - within]

    def cost(t: optuna.trial.FrozenTrial) -> tuple[int, float, int]:
        p = t.user_attrs["params"]
        return (p["factors"] * p["iterations"], -t.value, t.number)

    best = AlsParams(**min(near, key=cost).user_attrs["params"])
    table = pl.DataFrame(rows).sort(["val_ndcg", "trial"], descending=[True, False])
    return best, table
