"""The social blend: implicit ALS, the customer's ties, co-holding and segment popularity.

Each source scores every (user, item); scores are scaled to [0, 1] per user (by the user's best
item) so no source dominates through its units, then summed with the weights in
:class:`~wealthgraph.config.RecommendConfig`. The catalog of a bank is small (~100 products), so
scores are dense per batch of users; large catalogs (Last.fm, 17k artists) use smaller batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from implicit.nearest_neighbours import bm25_weight, tfidf_weight
from threadpoolctl import threadpool_limits

from wealthgraph.config import AlsParams

SOURCES = ("als", "social", "coholding", "popularity")
# dense scores per batch: rows x items x sources x 4 bytes stays ~200 MB
BATCH_CELLS = 12_000_000


@dataclass(frozen=True)
class BlendWeights:
    """How much each source counts; zero turns a source off."""

    als: float = 1.0
    social: float = 0.5
    coholding: float = 0.3
    popularity: float = 0.2

    def items(self) -> list[tuple[str, float]]:
        return [(name, getattr(self, name)) for name in SOURCES]


def confidence(user_items: sp.csr_array | sp.csr_matrix) -> sp.csr_matrix:
    """log(1 + weighted interactions): the confidence ALS fits (Hu, Koren & Volinsky 2008)."""
    matrix = sp.csr_matrix(user_items, dtype=np.float32)
    matrix.data = np.log1p(matrix.data)
    matrix.eliminate_zeros()
    return matrix


# bm25 / tfidf weigh by log(N) - log1p(df): an item held by more than N/e users would get a
# negative weight, which implicit reads as "disliked"; they are floored here instead
MIN_WEIGHT = 1e-3


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
    params: AlsParams = AlsParams(),  # noqa: B008 (frozen, so one shared default is safe)
    seed: int = 42,
    threads: int = 1,
) -> AlternatingLeastSquares:
    """implicit's ALS fitted on ``weigh(user_items, params)``, with one BLAS thread.

    With the default ``AlsParams()`` this gives the same factors as
    ``SocialBlend(random_state=seed)`` (each user's and item's solve does not depend on the
    thread count). ``threads`` is
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


@dataclass(frozen=True)
class Population:
    """What the blend learns from all its users, for a fit over a part of them (a customer
    shard): item-item co-holding (items x items) and each segment's popularity (segments x
    items, rows in the order of the part's segment ids)."""

    cooccurrence: sp.csr_matrix
    segment_popularity: np.ndarray


class SocialBlend:
    """Blend of ALS, social, co-holding and popularity scores over a user x item matrix.

    ``fit(user_items, ties, segments)``: ``user_items`` holds interaction strength (the model
    takes log1p of it), ``ties`` is a user x user matrix of tie strength (friends and contacts),
    ``segments`` gives each user's segment id for popularity within the segment (cold start).
    """

    def __init__(
        self,
        weights: BlendWeights | None = None,
        factors: int = 64,
        iterations: int = 15,
        regularization: float = 0.01,
        alpha: float = 1.0,
        random_state: int = 42,
        als: AlsParams | None = None,
    ) -> None:
        self.weights = weights or BlendWeights()
        # ``als`` (a tuned setting, weighting included) takes the place of the four numbers
        self.als_params = als or AlsParams(
            factors=factors, regularization=regularization, iterations=iterations, alpha=alpha
        )
        # built under the same one-thread limit as fit, so implicit does not warn about BLAS
        with threadpool_limits(1, "blas"):
            self.als = AlternatingLeastSquares(
                factors=self.als_params.factors,
                iterations=self.als_params.iterations,
                regularization=self.als_params.regularization,
                alpha=self.als_params.alpha,
                random_state=random_state,
            )

    def fit(
        self,
        user_items: sp.csr_array | sp.csr_matrix,
        ties: sp.csr_array | sp.csr_matrix | None = None,
        segments: np.ndarray | None = None,
        show_progress: bool = False,
        item_factors: np.ndarray | None = None,
        exact_users: bool = False,
        neighbours: sp.csr_matrix | None = None,
        population: Population | None = None,
    ) -> SocialBlend:
        """Fit ALS (skipped when its weight is 0) and precompute the other sources.

        With ``item_factors`` (one row per item, from an earlier fit of the same setting) ALS
        is warm-started: the item factors are kept and each user's factors are solved against
        them (implicit's ``recalculate_user``), one half-iteration instead of a fit.
        ``exact_users`` solves the users that way after a fit too (a fit's last user factors
        were solved against the items before their last update), so any part of the users,
        solved elsewhere against the same item factors, gets the same factors.

        For a part of the users (a customer shard): ``neighbours`` holds the evidence of users
        outside the part whom ``ties`` reach (its columns past ``user_items``' rows), and
        ``population`` the co-holding and segment popularity of all the users.
        """
        if population is not None and self.als_params.weighting in ("bm25", "tfidf"):
            # their weights use statistics of every row, which a part of the users lacks
            raise ValueError(
                "a fit over part of the users needs a per-row weighting, not "
                f"{self.als_params.weighting}"
            )
        # what ALS fits: confidence weighted as ``als_params`` says (log1p by default)
        self.confidence = weigh(user_items, self.als_params)
        n_users = self.confidence.shape[0]
        self.held = self.confidence.copy()
        self.held.data[:] = 1.0
        if self.weights.als > 0:
            # one BLAS thread: implicit runs its own threads and BLAS threads fight them
            with threadpool_limits(1, "blas"):
                if item_factors is None:
                    self.als.fit(self.confidence, show_progress=show_progress)
                else:
                    if item_factors.shape != (self.confidence.shape[1], self.als.factors):
                        raise ValueError(
                            f"item factors of shape {item_factors.shape} do not fit "
                            f"{self.confidence.shape[1]} items x {self.als.factors} factors"
                        )
                    self.als.item_factors = np.ascontiguousarray(item_factors, dtype=np.float32)
                if item_factors is not None or exact_users:
                    self.als.user_factors = self.als.recalculate_user(
                        np.arange(n_users), sp.csr_matrix(self.confidence, dtype=np.float32)
                    )
        # what the social source reads: the users' evidence, then their neighbours'
        self.social_held = self.held
        if neighbours is not None:
            near = sp.csr_matrix(neighbours, dtype=np.float32, copy=True)
            near.eliminate_zeros()
            near.data[:] = 1.0
            self.social_held = sp.csr_matrix(sp.vstack([self.held, near]))
        # once here, not per scored batch
        self.social_held = sp.csr_matrix(self.social_held, dtype=np.float64)
        # float64: a sum of a few float32 tie weights is exact there, so the order the ties
        # are listed in (a shard lists its own customers first) cannot change a score
        self.ties = sp.csr_matrix((n_users, self.social_held.shape[0]), dtype=np.float64)
        if ties is not None:
            self.ties = sp.csr_matrix(ties, dtype=np.float64)
            self.ties.setdiag(0)
            self.ties.eliminate_zeros()
        if population is not None:
            self.cooccurrence = population.cooccurrence
            self.segments = np.asarray(segments, dtype=np.int64)
            self.segment_popularity = population.segment_popularity
            return self
        # item-item cosine over who holds what: "customers who hold X also hold Y"
        norms = np.sqrt(np.asarray(self.held.sum(axis=0)).ravel())
        scale = sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0))
        cooc = sp.csr_matrix(scale @ (self.held.T @ self.held) @ scale, dtype=np.float32)
        cooc.setdiag(0)
        cooc.eliminate_zeros()
        self.cooccurrence = cooc
        segments = np.zeros(n_users, dtype=np.int64) if segments is None else segments
        self.segments = np.asarray(segments, dtype=np.int64)
        by_segment = sp.csr_matrix(
            (np.ones(n_users), (self.segments, np.arange(n_users))),
            shape=(self.segments.max() + 1 if n_users else 1, n_users),
        )
        counts = np.asarray((by_segment @ self.held).todense(), dtype=np.float32)
        sizes = np.maximum(np.asarray(by_segment.sum(axis=1)).ravel(), 1)[:, None]
        overall = np.asarray(self.held.sum(axis=0), dtype=np.float32) / max(n_users, 1)
        # a small segment borrows the bank-wide shares, so it is not ruled by two customers
        self.segment_popularity = (counts + 20 * overall) / (sizes + 20)
        return self

    def source_scores(self, users: np.ndarray) -> dict[str, np.ndarray]:
        """Raw scores of each source for ``users``: dense ``len(users) x items`` arrays."""
        out: dict[str, np.ndarray] = {}
        if self.weights.als > 0:
            factors = self.als.user_factors[users] @ self.als.item_factors.T
            out["als"] = np.maximum(factors, 0)
        if self.weights.social > 0:
            social = self.ties[users] @ self.social_held
            out["social"] = social.toarray().astype(np.float32)
        if self.weights.coholding > 0:
            out["coholding"] = (self.held[users] @ self.cooccurrence).toarray()
        if self.weights.popularity > 0:
            out["popularity"] = self.segment_popularity[self.segments[users]]
        return out

    def score(self, users: np.ndarray, sources: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Blended score of every item for ``users``, each source scaled to [0, 1] per user."""
        sources = self.source_scores(users) if sources is None else sources
        total = np.zeros((len(users), self.confidence.shape[1]), dtype=np.float32)
        for name, weight in self.weights.items():
            if weight > 0 and name in sources:
                total += weight * scale_rows(sources[name])
        return total

    def recommend(
        self, users: np.ndarray, n: int, exclude_held: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``n`` item ids and scores per user, best first (held items excluded)."""
        ids, scores = [], []
        for batch in batches(users, self.confidence.shape[1]):
            blended = self.score(batch)
            if exclude_held:
                drop_held(blended, self.held[batch])
            top_ids, top_scores = top_n(blended, n)
            # a user who holds nearly everything gets a short list, padded with -1
            top_ids[~np.isfinite(top_scores)] = -1
            ids.append(top_ids)
            scores.append(top_scores)
        if not ids:
            return np.zeros((0, n), dtype=np.int64), np.zeros((0, n), dtype=np.float32)
        return np.vstack(ids), np.vstack(scores)


def scale_rows(scores: np.ndarray) -> np.ndarray:
    """Divide each row by its maximum (rows without a positive score stay zero)."""
    best = scores.max(axis=1, keepdims=True) if scores.size else scores
    return np.divide(scores, best, out=np.zeros_like(scores, dtype=np.float32), where=best > 0)


def drop_held(scores: np.ndarray, held: sp.csr_matrix) -> None:
    """Set the score of items a row already has to -inf, in place."""
    rows, cols = held.nonzero()
    scores[rows, cols] = -np.inf


def top_n(scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of each row's ``n`` best scores, best first; ties to the lower id."""
    n = min(n, scores.shape[1])
    if n == 0:
        return np.zeros((scores.shape[0], 0), dtype=np.int64), scores[:, :0]
    part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    values = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -values), axis=1)
    ids = np.take_along_axis(part, order, axis=1)
    return ids, np.take_along_axis(values, order, axis=1)


def batches(users: np.ndarray, items: int, cells: int = BATCH_CELLS) -> Iterator[np.ndarray]:
    """Slices of ``users`` small enough for dense per-source score arrays."""
    size = max(1, cells // max(items, 1) // len(SOURCES))
    for start in range(0, len(users), size):
        yield users[start : start + size]
