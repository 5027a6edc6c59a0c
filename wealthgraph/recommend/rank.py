"""A learned second stage: candidates from every source, features, a lambdarank ranker.

The first stage is the sources the blend already has (:class:`~wealthgraph.recommend.harness.
Sources`: ALS, friends' items and their variants, co-holding, popularity) plus the friends of
friends (two-hop). :func:`candidate_features` takes, for each user, the union of every source's
top-``c`` items not already held and describes each (user, candidate) by what the reasons
already say: each source's score (raw and scaled to the user's best item) and its rank in that
source's list, how many friends and friends of friends hold the item and with what tie strength,
the item's popularity (log of its holders), the user's activity (log of their items, their ties)
and, when weights are given, the tuned blend's score. Everything is gathered from dense score
arrays per batch of users by the candidates' indices: no Python loop over users or items.

:func:`train_ranker` fits a LightGBM lambdarank booster (``lgb.train``: the scikit-learn
``LGBMRanker`` wrapper needs scikit-learn, which the project does not install) with one group per
user on the candidates of sources fitted on the training share and labels from the validation
share only (users with at least one relevant candidate; early stopping on a held-out share of
those users). :meth:`Ranker.recommend` then ranks the candidates of sources refitted on train +
validation for the test share. Eligibility and suitability filters stay hard filters after the
ranking (in the harness only "not already held" applies; it is enforced in the candidates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import lightgbm as lgb
import numpy as np
import polars as pl
import scipy.sparse as sp

from wealthgraph.recommend.model import batches, drop_held, scale_rows, top_n

if TYPE_CHECKING:
    from wealthgraph.recommend.harness import Sources

CANDIDATES = 100  # top-C of each source
TREES = 300
HOLDOUT = 0.2  # validation users held out for early stopping
TWO_HOP = "social2hop"
# per user and batch: sources x items dense float32 arrays stay ~100 MB
CELLS = 3_000_000


def two_hop_ties(ties: sp.csr_matrix) -> sp.csr_matrix:
    """Friends of friends (0/1) who are not the user nor already a friend."""
    binary = sp.csr_matrix(ties, dtype=np.float32, copy=True)
    binary.data[:] = 1.0
    reach = sp.csr_matrix(binary @ binary)
    reach.setdiag(0)
    reach = reach - reach.multiply(binary)  # direct friends already count as friends
    reach = sp.csr_matrix(reach)
    reach.eliminate_zeros()
    reach.data[:] = 1.0
    return reach


@dataclass
class Candidates:
    """One row per (user, candidate item): ``frame`` has ``row`` (index into ``users``),
    ``user``, ``item`` and the feature columns :attr:`features`."""

    users: np.ndarray
    frame: pl.DataFrame
    features: list[str] = field(default_factory=list)

    def matrix(self) -> np.ndarray:
        return self.frame.select(self.features).to_numpy().astype(np.float32)

    def labels(self, truth: sp.csr_matrix) -> np.ndarray:
        """1 where the (user, item) is in ``truth`` (users x items), else 0."""
        truth = sp.csr_matrix(truth)
        if self.frame.height == 0:
            return np.zeros(0, dtype=np.int32)
        n_items = truth.shape[1]
        rows, cols = truth.nonzero()
        keys = rows.astype(np.int64) * n_items + cols
        mine = self.frame["user"].to_numpy().astype(np.int64) * n_items + self.frame["item"]
        return np.isin(np.asarray(mine), keys).astype(np.int32)

    def recall(self, truth: sp.csr_matrix) -> float:
        """Share of the ``truth`` entries of :attr:`users` that are among the candidates."""
        truth = sp.csr_matrix(truth)
        total = int(np.diff(truth.indptr)[self.users].sum())
        return float(self.labels(truth).sum() / total) if total else 0.0


def source_names(sources: Sources) -> list[str]:
    """The sources a candidate can come from: :attr:`Sources.names` and the two-hop one."""
    return [*sources.names, *([TWO_HOP] if "" in sources.views else [])]


def candidate_features(
    sources: Sources,
    users: np.ndarray,
    c: int = CANDIDATES,
    weights: dict[str, float] | None = None,
) -> Candidates:
    """Candidates of ``users`` (the union of each source's top-``c``, held items excluded)
    and their features; ``weights`` (the tuned blend) adds the blend's score as a feature."""
    users = np.asarray(users, dtype=np.int64)
    names = source_names(sources)
    held_all = sources.held
    n_items = sources.n_items
    item_log_pop = np.log1p(np.asarray(held_all.sum(axis=0)).ravel()).astype(np.float32)
    user_log_items = np.log1p(np.diff(held_all.indptr)).astype(np.float32)
    ties = sources.views.get("")
    friends = reach = None
    if ties is not None:
        friends = sp.csr_matrix(ties, dtype=np.float32, copy=True)
        friends.data[:] = 1.0
        reach = two_hop_ties(ties)
    user_log_ties = (
        np.log1p(np.diff(friends.indptr)).astype(np.float32)
        if friends is not None
        else np.zeros(held_all.shape[0], dtype=np.float32)
    )
    parts: list[pl.DataFrame] = []
    start = 0
    for batch in batches(users, n_items, CELLS // max(len(names) // 4, 1)):
        held = held_all[batch]
        raw: dict[str, np.ndarray] = {}
        for name in names:
            raw[name] = (
                (reach[batch] @ held_all).toarray() if name == TWO_HOP else sources.raw(name, batch)
            )
        ranks: dict[str, np.ndarray] = {}
        chosen = np.zeros((len(batch), n_items), dtype=bool)
        for name in names:
            scores = raw[name].astype(np.float32, copy=True)
            scores[scores <= 0] = -np.inf  # a zero score says nothing: not a candidate
            drop_held(scores, held)
            ids, values = top_n(scores, c)
            rank = np.full((len(batch), n_items), c, dtype=np.float32)
            rows = np.repeat(np.arange(len(batch)), ids.shape[1])
            keep = np.isfinite(values).ravel()
            rank[rows[keep], ids.ravel()[keep]] = np.tile(
                np.arange(ids.shape[1], dtype=np.float32), len(batch)
            )[keep]
            ranks[name] = rank
            chosen[rows[keep], ids.ravel()[keep]] = True
        r, i = np.nonzero(chosen)  # row-major: grouped by user, items ascending
        columns: dict[str, np.ndarray] = {
            "row": (r + start).astype(np.int64),
            "user": batch[r],
            "item": i.astype(np.int64),
        }
        in_lists = np.zeros(len(r), dtype=np.float32)
        for name in names:
            scaled = scale_rows(raw[name])
            columns[name] = scaled[r, i]
            columns[f"{name}_raw"] = raw[name][r, i].astype(np.float32)
            columns[f"{name}_rank"] = ranks[name][r, i]
            in_lists += ranks[name][r, i] < c
            if weights is not None and weights.get(name, 0) > 0:
                columns.setdefault("blend", np.zeros(len(r), dtype=np.float32))
                columns["blend"] += np.float32(weights[name]) * columns[name]
        if weights is not None:
            columns.setdefault("blend", np.zeros(len(r), dtype=np.float32))
        columns["n_sources"] = in_lists
        if friends is not None:
            columns["friends_holding"] = np.asarray(
                (friends[batch] @ held_all)[r, i], dtype=np.float32
            ).ravel()
        columns["item_log_pop"] = item_log_pop[i]
        columns["user_log_items"] = user_log_items[batch[r]]
        columns["user_log_ties"] = user_log_ties[batch[r]]
        parts.append(pl.DataFrame(columns))
        start += len(batch)
    frame = pl.concat(parts) if parts else pl.DataFrame()
    features = [col for col in frame.columns if col not in ("row", "user", "item")]
    return Candidates(users=users, frame=frame, features=features)


@dataclass
class Ranker:
    """A fitted lambdarank booster over :func:`candidate_features`' columns."""

    model: lgb.Booster
    features: list[str]
    c: int
    info: dict[str, object] = field(default_factory=dict)

    def importances(self) -> pl.DataFrame:
        """Features by total gain, largest first, with their share of the total."""
        gain = self.model.feature_importance(importance_type="gain")
        total = max(float(gain.sum()), 1e-12)
        return pl.DataFrame(
            {"feature": self.features, "gain": gain.astype(np.float64), "share": gain / total}
        ).sort("gain", descending=True)

    def scores(self, cands: Candidates) -> np.ndarray:
        if cands.frame.height == 0:
            return np.zeros(0)
        return self.model.predict(cands.matrix(), num_iteration=self.model.best_iteration or None)

    def recommend(self, cands: Candidates, k: int) -> np.ndarray:
        """Top-``k`` items per user of ``cands.users`` by the ranker's score (-1 pads)."""
        out = np.full((len(cands.users), k), -1, dtype=np.int64)
        if cands.frame.height == 0:
            return out
        return rank_top(cands, self.scores(cands), k)


def rank_top(cands: Candidates, scores: np.ndarray, k: int) -> np.ndarray:
    """Top-``k`` candidates per user by ``scores`` (ties to the lower item id), -1 pads."""
    out = np.full((len(cands.users), k), -1, dtype=np.int64)
    if cands.frame.height == 0:
        return out
    row = cands.frame["row"].to_numpy()
    item = cands.frame["item"].to_numpy()
    order = np.lexsort((item, -np.asarray(scores, dtype=np.float64), row))
    row, item = row[order], item[order]
    first = np.searchsorted(row, row, side="left")
    position = np.arange(len(row)) - first
    keep = position < k
    out[row[keep], position[keep]] = item[keep]
    return out


def train_ranker(
    sources: Sources,
    valid: sp.csr_matrix,
    c: int = CANDIDATES,
    weights: dict[str, float] | None = None,
    seed: int = 42,
    trees: int = TREES,
    k: int = 10,
    holdout: float = HOLDOUT,
) -> Ranker:
    """Fit a lambdarank model: ``sources`` fitted on the training share, labels = ``valid``.

    Only the users of ``valid`` with at least one relevant candidate form groups; a random
    ``holdout`` share of them stops the boosting early (nDCG@k). ``info`` records the rows,
    groups, positives, candidate recall on ``valid`` and the best iteration.
    """
    valid = sp.csr_matrix(valid)
    users = np.flatnonzero(np.diff(valid.indptr))
    cands = candidate_features(sources, users, c, weights)
    labels = cands.labels(valid)
    row = cands.frame["row"].to_numpy()
    positives = np.bincount(row, weights=labels, minlength=len(users))
    useful = positives > 0
    rng = np.random.default_rng(seed)
    held_out = np.zeros(len(users), dtype=bool)
    held_out[rng.permutation(np.flatnonzero(useful))[: round(float(holdout * useful.sum()))]] = True
    x = cands.matrix()

    def group(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = mask[row]  # row is sorted, so groups stay contiguous
        sizes = np.bincount(row[rows], minlength=len(users))[mask]
        return x[rows], labels[rows], sizes

    fit_x, fit_y, fit_g = group(useful & ~held_out)
    stop_x, stop_y, stop_g = group(held_out)
    params = {
        "objective": "lambdarank",
        "metric": "ndcg",
        "eval_at": [k],
        "lambdarank_truncation_level": 2 * k,
        "learning_rate": 0.05,
        "num_leaves": 31,
        "min_data_in_leaf": 50,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "feature_fraction": 0.8,
        "seed": seed,
        "deterministic": True,
        "num_threads": 1 if len(fit_y) < 100_000 else 2,  # threads only pay on big data
        "verbose": -1,
    }
    train_set = lgb.Dataset(fit_x, fit_y, group=fit_g, feature_name=cands.features)
    valid_sets = []
    callbacks = []
    if len(stop_g):
        valid_sets = [lgb.Dataset(stop_x, stop_y, group=stop_g, reference=train_set)]
        callbacks = [lgb.early_stopping(50, verbose=False)]
    model = lgb.train(
        params, train_set, num_boost_round=trees, valid_sets=valid_sets, callbacks=callbacks
    )
    info = {
        "rows": len(labels),
        "groups": int(useful.sum()),
        "positives": int(labels.sum()),
        "candidates_per_user": float(len(labels) / max(len(users), 1)),
        "valid_recall": cands.recall(valid),
        "best_iteration": int(model.best_iteration or trees),
    }
    return Ranker(model=model, features=cands.features, c=c, info=info)
