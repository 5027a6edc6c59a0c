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
from dataclasses import asdict, dataclass

import numpy as np
import optuna
import polars as pl
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from implicit.nearest_neighbours import bm25_weight, tfidf_weight
from threadpoolctl import threadpool_limits

from wealthgraph.recommend.metrics import ranking_metrics
from wealthgraph.recommend.model import batches, confidence, drop_held, top_n

WEIGHTINGS = ("binary", "log1p", "bm25", "tfidf")
# bm25 / tfidf weigh by log(N) - log1p(df): an item held by more than N/e users would get a
# negative weight, which implicit reads as "disliked"; they are floored here instead
MIN_WEIGHT = 1e-3


@dataclass(frozen=True)
class AlsParams:
    """One ALS setting: ``weighting`` turns interaction strength into confidence (``binary``:
    1 per interaction, ``log1p``: log(1 + strength), ``bm25`` / ``tfidf``: implicit's
    ``bm25_weight`` / ``tfidf_weight`` of the strength), ``alpha`` scales it (C = 1 + alpha w)."""

    factors: int = 64
    regularization: float = 0.01
    iterations: int = 15
    alpha: float = 1.0
    weighting: str = "log1p"
    bm25_k1: float = 100.0
    bm25_b: float = 0.8

    def __post_init__(self) -> None:
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}, not {self.weighting!r}")

    def text(self) -> str:
        """``factors=64 reg=0.01 iters=15 alpha=1 log1p`` (bm25's K1 and B when they apply)."""
        out = (
            f"factors={self.factors} reg={self.regularization:.3g} iters={self.iterations} "
            f"alpha={self.alpha:.3g} {self.weighting}"
        )
        if self.weighting == "bm25":
            out += f" K1={self.bm25_k1:.3g} B={self.bm25_b:.2f}"
        return out


DEFAULT_ALS = AlsParams()  # SocialBlend's defaults, log1p confidence
# the setting the issue saw match the blend on another dataset: binary, reg 0.05, 20 iterations
BINARY_ALS = AlsParams(regularization=0.05, iterations=20, weighting="binary")


def weigh(user_items: sp.csr_matrix | sp.csr_array, params: AlsParams) -> sp.csr_matrix:
    """The confidence matrix ALS is fitted on (float32 csr, zeros dropped)."""
    if params.weighting == "log1p":
        return confidence(user_items)  # the very function SocialBlend uses
    # a copy: csr_matrix(x) shares x's arrays, and the caller's matrix must stay as it was
    matrix = sp.csr_matrix(user_items, dtype=np.float32, copy=True)
    matrix.eliminate_zeros()
    if params.weighting == "binary":
        matrix.data[:] = 1.0
        return matrix
    if params.weighting == "bm25":
        weighted = bm25_weight(matrix, K1=params.bm25_k1, B=params.bm25_b)
    else:
        weighted = tfidf_weight(matrix)
    out = sp.csr_matrix(weighted, dtype=np.float32)
    out.data = np.maximum(out.data, MIN_WEIGHT).astype(np.float32)
    return out


def fit_als(
    user_items: sp.csr_matrix | sp.csr_array,
    params: AlsParams = DEFAULT_ALS,
    seed: int = 42,
    threads: int = 1,
) -> AlternatingLeastSquares:
    """implicit's ALS fitted on ``weigh(user_items, params)``, with one BLAS thread.

    With :data:`DEFAULT_ALS` this gives the same factors as ``SocialBlend(random_state=seed)``
    (each user's and item's solve does not depend on the thread count). ``threads`` is
    implicit's own: one by default, since on a shared 2-core machine its OpenMP threads wait
    for each other (a 120 x 60 fit took 0.8 s with all threads, 0.03 s with one, and Last.fm
    was no faster with two).
    """
    with threadpool_limits(1, "blas"):
        als = AlternatingLeastSquares(
            factors=params.factors,
            iterations=params.iterations,
            regularization=params.regularization,
            alpha=params.alpha,
            random_state=seed,
            num_threads=threads,
        )
        als.fit(weigh(user_items, params), show_progress=False)
    return als


def als_scores(als: AlternatingLeastSquares, users: np.ndarray) -> np.ndarray:
    """ALS scores of every item for ``users``, negatives clipped to 0 as in SocialBlend."""
    return np.maximum(als.user_factors[users] @ als.item_factors.T, 0)


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
    """Search ALS settings by nDCG@k on ``valid`` (fitted on ``train``), ``trials`` of them.

    The first two trials are the production default (:data:`DEFAULT_ALS`) and the binary
    setting of :data:`BINARY_ALS`, so the search can only match or beat them on validation;
    the rest come from optuna's TPE sampler seeded with ``seed``.

    Returns
    -------
    best, table
        The best setting and one row per trial (its setting, validation nDCG, seconds), best
        first.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    _enqueue(study, DEFAULT_ALS)
    _enqueue(study, BINARY_ALS)
    rows: list[dict[str, object]] = []

    def objective(trial: optuna.Trial) -> float:
        params = _suggest(trial)
        started = time.perf_counter()
        value = validation_ndcg(train, valid, params, seed, k)
        rows.append(
            {"trial": trial.number, "val_ndcg": value, "seconds": time.perf_counter() - started}
            | {"params": params.text()}
        )
        trial.set_user_attr("params", asdict(params))
        return value

    study.optimize(objective, n_trials=trials, timeout=timeout)
    best = AlsParams(**study.best_trial.user_attrs["params"])
    table = pl.DataFrame(rows).sort(["val_ndcg", "trial"], descending=[True, False])
    return best, table
