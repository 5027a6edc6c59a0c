"""One evaluation harness for any users x items dataset, with optional timestamps and ties.

A :class:`Dataset` is the interactions (users x items, weight > 0, optional time per
interaction) and optional user x user ties (a row borrows from the users of its columns;
undirected ties are stored both ways). :func:`split` cuts train / test per user at random, per
user by time, or at one global time; the validation share is carved from train the same way,
so the test share is looked at once, at the end.

:func:`run_seed` measures, on one split of one run: popularity, ALS with the production
defaults, ALS tuned on validation (:func:`~wealthgraph.recommend.tune.tune_als`), the social
blend with weights tuned on validation over each ALS, the blend with each source removed in turn
(the ablation) and the blend with other kinds of social source:

``social``
    friends' items, counted (SocialBlend's social source);
``social_sim``
    friends' items weighted by tie strength, where the strength is the taste overlap (cosine of
    the two users' training items), so a friend with the same tastes counts more;
``social_factors``
    the mean of the friends' ALS user factors times the item factors: what the friends would be
    recommended, not what they already have;

and for a directed network each again over the symmetrised ties (suffix ``_sym``). Every model
difference comes with a paired bootstrap CI over users (:func:`paired_bootstrap`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import polars as pl
import scipy.sparse as sp

from wealthgraph.recommend import rank
from wealthgraph.recommend.metrics import per_user_metrics, ranking_metrics
from wealthgraph.recommend.model import (
    SOURCES,
    BlendWeights,
    SocialBlend,
    batches,
    drop_held,
    scale_rows,
    top_n,
)
from wealthgraph.recommend.tune import (
    DEFAULT_ALS,
    AlsParams,
    als_scores,
    fit_als,
    tune_als,
)

SPLITS = ("random", "chrono", "time")
SOCIAL_KINDS = ("social", "social_sim", "social_factors")
# the blend's grid over SocialBlend's sources (ALS fixed at 1): lastfm.DEFAULT_GRID with
# popularity up to ALS's own weight, for catalogs where popularity is hard to beat (FilmTrust)
BLEND_GRID: dict[str, tuple[float, ...]] = {
    "als": (1.0,),
    "social": (0.0, 0.1, 0.2, 0.5),
    "coholding": (0.0, 0.2, 0.5),
    "popularity": (0.0, 0.05, 0.2, 0.5, 1.0),
}
# a social variant is tuned on top of the best base blend: its weight x the plain social weight
VARIANT_GRID = (0.1, 0.2, 0.5, 1.0)
RESAMPLES = 1000
REFERENCE = "als_tuned"  # the model every other is compared with in the main table
METRICS = ("precision", "recall", "map", "ndcg", "coverage")

Weights = dict[str, float]


@dataclass(frozen=True)
class Dataset:
    """Interactions (users x items), optional time per interaction, optional ties.

    Attributes
    ----------
    name
        Shown in tables.
    interactions
        users x items interaction strength, every stored value > 0; made canonical (sorted,
        duplicates summed) unless ``ts`` is given, which must then be aligned with an already
        canonical matrix.
    ties
        users x users tie strength, row = the user who borrows, column = whose items are
        borrowed (FilmTrust: trustor -> trustee). Undirected ties are symmetrised here.
    directed
        Whether ``ties`` are one-way (then the harness also tries them symmetrised).
    ts
        One time per stored interaction, in csr order (seconds, days: any increasing unit).
    user_ids, item_ids
        The source's ids of the rows and columns, for reading results back.
    """

    name: str
    interactions: sp.csr_matrix
    ties: sp.csr_matrix | None = None
    directed: bool = False
    ts: np.ndarray | None = None
    user_ids: np.ndarray | None = None
    item_ids: np.ndarray | None = None

    def __post_init__(self) -> None:
        matrix = sp.csr_matrix(self.interactions, dtype=np.float32, copy=True)
        if self.ts is None:
            matrix.sum_duplicates()
            matrix.sort_indices()
        else:
            if not matrix.has_canonical_format:
                raise ValueError("interactions with ts must be canonical (sorted, no duplicates)")
            if len(self.ts) != matrix.nnz:
                raise ValueError(f"ts has {len(self.ts)} values for {matrix.nnz} interactions")
            object.__setattr__(self, "ts", np.asarray(self.ts, dtype=np.float64))
        if (matrix.data <= 0).any():
            raise ValueError("interaction weights must be > 0 (drop the others first)")
        object.__setattr__(self, "interactions", matrix)
        if self.ties is not None:
            n = matrix.shape[0]
            ties = sp.csr_matrix(self.ties, dtype=np.float32, copy=True)
            if ties.shape != (n, n):
                raise ValueError(f"ties are {ties.shape}, interactions have {n} users")
            if not self.directed:
                ties = sp.csr_matrix(ties.maximum(ties.T))
            ties.setdiag(0)
            ties.eliminate_zeros()
            ties.sort_indices()
            object.__setattr__(self, "ties", ties)

    @classmethod
    def from_frames(
        cls,
        name: str,
        interactions: pl.DataFrame,
        ties: pl.DataFrame | None = None,
        directed: bool = False,
    ) -> Dataset:
        """From ``user, item, weight[, ts]`` and ``src, dst[, weight]`` frames of any ids.

        Users and items are those of ``interactions`` (sorted ids); repeated (user, item) rows
        add their weights and keep their first time; ties to or from a user without
        interactions are dropped (they have nothing to lend or to be evaluated on). A date or
        datetime ``ts`` becomes seconds since 1970.
        """
        has_ts = "ts" in interactions.columns
        frame = interactions
        if has_ts and frame.schema["ts"].is_temporal():
            frame = frame.with_columns(pl.col("ts").cast(pl.Datetime("ms")).dt.epoch("s"))
        users = frame["user"].unique().sort().to_frame().with_row_index("u")
        items = frame["item"].unique().sort().to_frame().with_row_index("i")
        aggs = [pl.col("weight").sum()] + ([pl.col("ts").min()] if has_ts else [])
        pairs = (
            frame.join(users, on="user")
            .join(items, on="item")
            .group_by("u", "i")
            .agg(aggs)
            .filter(pl.col("weight") > 0)
            .sort("u", "i")
        )
        shape = (users.height, items.height)
        rows = pairs["u"].to_numpy().astype(np.int64)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=shape[0]))])
        matrix = sp.csr_matrix(
            (pairs["weight"].to_numpy().astype(np.float32), pairs["i"].to_numpy(), indptr),
            shape=shape,
        )
        tie_matrix = None
        if ties is not None:
            weight = pl.col("weight") if "weight" in ties.columns else pl.lit(1.0)
            edges = (
                ties.select("src", "dst", weight=weight.cast(pl.Float32))
                .join(users.rename({"user": "src", "u": "a"}), on="src")
                .join(users.rename({"user": "dst", "u": "b"}), on="dst")
            )
            tie_matrix = sp.csr_matrix(
                (edges["weight"].to_numpy(), (edges["a"].to_numpy(), edges["b"].to_numpy())),
                shape=(shape[0], shape[0]),
            )
        return cls(
            name=name,
            interactions=matrix,
            ties=tie_matrix,
            directed=directed,
            ts=pairs["ts"].to_numpy().astype(np.float64) if has_ts else None,
            user_ids=users["user"].to_numpy(),
            item_ids=items["item"].to_numpy(),
        )

    @property
    def shape(self) -> tuple[int, int]:
        return self.interactions.shape

    def subset(self, mask: np.ndarray) -> Dataset:
        """The same users, items and ties with only the interactions where ``mask`` holds."""
        matrix, ts = take_entries(self.interactions, mask, self.ts)
        return Dataset(
            self.name, matrix, self.ties, self.directed, ts, self.user_ids, self.item_ids
        )


def _rows(matrix: sp.csr_matrix) -> np.ndarray:
    return np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))


def take_entries(
    matrix: sp.csr_matrix, mask: np.ndarray, ts: np.ndarray | None = None
) -> tuple[sp.csr_matrix, np.ndarray | None]:
    """The entries of a canonical csr where ``mask`` holds (still canonical), and their ts."""
    rows = _rows(matrix)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[mask], minlength=matrix.shape[0]))])
    part = sp.csr_matrix(
        (matrix.data[mask], matrix.indices[mask], indptr), shape=matrix.shape, copy=True
    )
    return part, None if ts is None else ts[mask]


def _keep_counts(matrix: sp.csr_matrix, test_share: float) -> np.ndarray:
    """Entries each user keeps in train: round((1 - share) n), at least one."""
    counts = np.diff(matrix.indptr)
    return np.maximum(np.round((1.0 - test_share) * counts), 1).astype(np.int64)


def random_train_mask(matrix: sp.csr_matrix, test_share: float = 0.2, seed: int = 42) -> np.ndarray:
    """Which entries of a canonical csr stay in train: a seeded shuffle within each user.

    Each user keeps ``round((1 - test_share) n)`` of their ``n`` entries (at least one), chosen
    by a random key per entry drawn in csr order (by user, then item).
    """
    rows = _rows(matrix)
    keys = np.random.default_rng(seed).random(matrix.nnz)
    return (
        _rank_within_user(matrix, rows, np.lexsort((keys, rows)))
        < _keep_counts(matrix, test_share)[rows]
    )


def chrono_train_mask(
    matrix: sp.csr_matrix, ts: np.ndarray, test_share: float = 0.2, seed: int = 42
) -> np.ndarray:
    """Each user's earliest ``round((1 - test_share) n)`` entries (at least one) stay in train.

    Equal times are ordered by a seeded random key, so no train entry is later than a test one
    of the same user.
    """
    rows = _rows(matrix)
    keys = np.random.default_rng(seed).random(matrix.nnz)
    order = np.lexsort((keys, ts, rows))
    return _rank_within_user(matrix, rows, order) < _keep_counts(matrix, test_share)[rows]


def _rank_within_user(matrix: sp.csr_matrix, rows: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Position of each entry within its user when entries are taken in ``order``."""
    rank = np.empty(matrix.nnz, dtype=np.int64)
    # order is sorted by row first, so the position within the user is this offset
    rank[order] = np.arange(matrix.nnz) - matrix.indptr[rows]
    return rank


def time_train_mask(ts: np.ndarray, test_share: float = 0.2) -> tuple[np.ndarray, float]:
    """Everything up to one cutoff stays in train: the time with ``test_share`` of events after.

    Events at the cutoff time stay in train, so the test share is at most ``test_share``.
    Returns the mask and the cutoff.
    """
    cutoff = float(np.quantile(ts, 1.0 - test_share, method="lower"))
    return ts <= cutoff, cutoff


def split(
    ds: Dataset, how: str = "random", test_share: float = 0.2, seed: int = 42
) -> tuple[Dataset, sp.csr_matrix]:
    """Train dataset and test matrix: ``random`` / ``chrono`` per user, or a global ``time``.

    Call it again on the train part (with another seed) for the validation split: it is then
    carved from train the same way.
    """
    if how not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {how!r}")
    if how != "random" and ds.ts is None:
        raise ValueError(f"a {how} split needs timestamps; dataset {ds.name} has none")
    if how == "random":
        mask = random_train_mask(ds.interactions, test_share, seed)
    elif how == "chrono":
        mask = chrono_train_mask(ds.interactions, ds.ts, test_share, seed)
    else:
        mask = time_train_mask(ds.ts, test_share)[0]
    if mask.all():
        raise ValueError(f"the {how} split of {ds.name} left nothing to test")
    test, _ = take_entries(ds.interactions, ~mask)
    return ds.subset(mask), test


def paired_bootstrap(
    a: np.ndarray,
    b: np.ndarray,
    resamples: int = RESAMPLES,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """Mean of ``a - b`` over paired users and its percentile bootstrap CI (users resampled).

    Returns ``(mean difference, low, high)``; an interval that excludes 0 means the difference
    is unlikely to be noise of which users happened to be in the test share.
    """
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if len(diff) == 0:
        return 0.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    for start in range(0, resamples, 100):  # 100 resamples at a time bounds the memory
        stop = min(start + 100, resamples)
        means[start:stop] = diff[rng.integers(len(diff), size=(stop - start, len(diff)))].mean(
            axis=1
        )
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(diff.mean()), float(low), float(high)


class Sources:
    """Every source's score for any users, from one fit on ``train``.

    SocialBlend computes held items, ties, co-holding and popularity (its ALS is not fitted:
    its weight is 0 there); ALS is :func:`~wealthgraph.recommend.tune.fit_als` with ``als``
    (with :data:`~wealthgraph.recommend.tune.DEFAULT_ALS` the very ALS SocialBlend fits).
    """

    def __init__(self, train: Dataset, als: AlsParams = DEFAULT_ALS, seed: int = 42) -> None:
        ties = None if train.ties is None else train.ties.copy()
        self.blend = SocialBlend(BlendWeights(0.0, 1.0, 1.0, 1.0), random_state=seed).fit(
            train.interactions, ties
        )
        self.als = fit_als(train.interactions, als, seed)
        self.blend.als = self.als
        self.held = self.blend.held
        self.n_items = self.held.shape[1]
        self.views: dict[str, sp.csr_matrix] = {}
        if train.ties is not None and train.ties.nnz:
            self.views[""] = self.blend.ties
            if train.directed:
                sym = sp.csr_matrix(self.blend.ties.maximum(self.blend.ties.T))
                self.views["_sym"] = sym
        self._similar: dict[str, sp.csr_matrix] = {}
        self._mean_factors: dict[str, np.ndarray] = {}

    @property
    def names(self) -> list[str]:
        """Available sources: SocialBlend's, then the social variants (in blending order)."""
        social = [kind + view for view in self.views for kind in SOCIAL_KINDS]
        return ["als", *(["social"] if "" in self.views else []), "coholding", "popularity"] + [
            name for name in social if name != "social"
        ]

    def has_ties(self) -> np.ndarray:
        """Per user: whether any view gives them someone to borrow from."""
        out = np.zeros(self.held.shape[0], dtype=bool)
        for ties in self.views.values():
            out |= np.diff(ties.indptr) > 0
        return out

    def _similarity_ties(self, view: str) -> sp.csr_matrix:
        """The ties of ``view`` weighted by the cosine of the two users' training items."""
        if view not in self._similar:
            ties = self.views[view].tocoo()
            held = self.held
            overlap = np.asarray(held[ties.row].multiply(held[ties.col]).sum(axis=1)).ravel()
            sizes = np.diff(held.indptr).astype(np.float64)
            norm = np.sqrt(sizes[ties.row] * sizes[ties.col])
            cosine = np.divide(overlap, norm, out=np.zeros_like(overlap), where=norm > 0)
            self._similar[view] = sp.csr_matrix(
                (ties.data * cosine, (ties.row, ties.col)), shape=ties.shape, dtype=np.float32
            )
        return self._similar[view]

    def _friend_factors(self, view: str) -> np.ndarray:
        """Per user: the tie-weighted mean of their friends' ALS user factors (0 if none)."""
        if view not in self._mean_factors:
            ties = self.views[view]
            strength = np.asarray(ties.sum(axis=1)).ravel()
            inverse = np.divide(1.0, strength, out=np.zeros_like(strength), where=strength > 0)
            self._mean_factors[view] = np.asarray(
                sp.diags(inverse) @ ties @ self.als.user_factors, dtype=np.float32
            )
        return self._mean_factors[view]

    def raw(self, name: str, users: np.ndarray) -> np.ndarray:
        """Dense ``len(users) x items`` scores of one source, before scaling."""
        if name == "als":
            return als_scores(self.als, users)
        if name in ("coholding", "popularity"):
            return self.blend.source_scores(users)[name]
        kind, view = next(
            (kind, name[len(kind) :])
            for kind in sorted(SOCIAL_KINDS, key=len, reverse=True)
            if name.startswith(kind)
        )
        if kind == "social":
            return (self.views[view][users] @ self.held).toarray()
        if kind == "social_sim":
            return (self._similarity_ties(view)[users] @ self.held).toarray()
        return np.maximum(self._friend_factors(view)[users] @ self.als.item_factors.T, 0)

    def recommend(
        self, configs: Mapping[str, Weights], users: np.ndarray, k: int
    ) -> dict[str, np.ndarray]:
        """Top-``k`` lists of every blend in ``configs`` (source -> weight), one pass of scores.

        Each source is scaled to [0, 1] per user by its best item (as SocialBlend does) and the
        weighted sum is taken in :attr:`names` order; held items are excluded, -1 pads.
        """
        order = self.names
        for weights in configs.values():
            unknown = {name for name, w in weights.items() if w > 0} - set(order)
            if unknown:
                raise ValueError(f"unknown or unavailable sources: {sorted(unknown)}")
        needed = [name for name in order if any(w.get(name, 0) > 0 for w in configs.values())]
        out = {name: np.full((len(users), k), -1, dtype=np.int64) for name in configs}
        start = 0
        # more sources than SocialBlend's four: keep the dense batch the same size in bytes
        cells = 12_000_000 * len(SOURCES) // max(len(needed) + 2, len(SOURCES))
        for batch in batches(users, self.n_items, cells):
            scaled = {name: scale_rows(self.raw(name, batch)) for name in needed}
            held = self.held[batch]
            for config, weights in configs.items():
                total = np.zeros((len(batch), self.n_items), dtype=np.float32)
                for name in needed:
                    if weights.get(name, 0) > 0:
                        total += np.float32(weights[name]) * scaled[name]
                drop_held(total, held)
                ids, values = top_n(total, k)
                ids[~np.isfinite(values)] = -1
                out[config][start : start + len(batch), : ids.shape[1]] = ids
            start += len(batch)
        return out


def weights_text(weights: Mapping[str, float]) -> str:
    """``als=1 social=0.2 coholding=0.5`` (sources at weight 0 left out)."""
    return " ".join(f"{name}={value:g}" for name, value in weights.items() if value > 0) or "-"


def _grid_points(grid: Mapping[str, Sequence[float]], available: Iterable[str]) -> list[Weights]:
    names = [name for name in grid if name in set(available)]
    return [dict(zip(names, values, strict=True)) for values in product(*(grid[n] for n in names))]


def tune_blend(
    sources: Sources,
    valid: sp.csr_matrix,
    k: int = 10,
    grid: Mapping[str, Sequence[float]] = BLEND_GRID,
    variants: bool = True,
) -> tuple[Weights, dict[str, Weights], pl.DataFrame]:
    """Blend weights by nDCG@k on ``valid``: the grid, then each social variant on the best.

    Stage 1 searches ``grid`` over SocialBlend's sources (those available: no ties, no social
    source). Stage 2, for each social variant (``social_sim``, ``social_factors``, ``_sym``
    ones), keeps co-holding and popularity at the stage-1 best and searches the plain social
    weight of the grid x the variant's weight in :data:`VARIANT_GRID`. Ties go to the earlier
    point.

    Returns
    -------
    best, best_per_variant, table
        Stage-1 best weights, each variant's best weights, and every point's validation nDCG.
    """
    users = np.flatnonzero(np.diff(sp.csr_matrix(valid).indptr))
    shares = np.ones(sources.n_items)
    rows: list[dict[str, object]] = []

    def score(points: list[Weights], stage: str) -> list[float]:
        configs = {str(p): w for p, w in enumerate(points)}
        recs = sources.recommend(configs, users, k)
        values = [ranking_metrics(recs[str(p)], valid, users, shares, k)["ndcg"] for p in configs]
        for weights, value in zip(points, values, strict=True):
            rows.append({"stage": stage, "weights": weights_text(weights), "val_ndcg": value})
        return values

    points = _grid_points(grid, sources.names)
    values = score(points, "blend")
    best = points[int(np.argmax(values))]
    per_variant: dict[str, Weights] = {}
    names = [n for n in sources.names if n not in SOURCES] if variants else []
    if names:
        social_values = grid.get("social", (0.0,))
        stage2 = {
            name: [{**best, "social": s, name: v} for s in social_values for v in VARIANT_GRID]
            for name in names
        }
        flat = [w for name in names for w in stage2[name]]
        flat_values = score(flat, "variant")
        at = 0
        for name in names:
            candidates = [best, *stage2[name]]
            own = [max(values), *flat_values[at : at + len(stage2[name])]]
            per_variant[name] = candidates[int(np.argmax(own))]
            at += len(stage2[name])
    table = pl.DataFrame(rows).with_row_index("point")
    table = table.sort(["val_ndcg", "point"], descending=[True, False]).drop("point")
    return best, per_variant, table


def _without(weights: Weights, names: Iterable[str]) -> Weights:
    drop = set(names)
    return {name: (0.0 if name in drop else value) for name, value in weights.items()}


def _social_names(weights: Weights) -> list[str]:
    return [n for n, w in weights.items() if w > 0 and any(n.startswith(s) for s in SOCIAL_KINDS)]


@dataclass
class SeedResult:
    """Everything one seed measured: tables, tuned settings, validation traces, seconds."""

    seed: int
    als: AlsParams
    weights_default: Weights
    weights: Weights
    variants: dict[str, Weights]
    main: pl.DataFrame
    ablation: pl.DataFrame
    social: pl.DataFrame
    als_trials: pl.DataFrame
    blend_trials: pl.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)
    # the learned second stage (run_seed(ranker=True)): vs the blend and tuned ALS, candidate
    # recall on validation and test, training facts, feature importances (gain)
    ranker: pl.DataFrame | None = None
    ranker_info: dict[str, float] = field(default_factory=dict)
    ranker_importances: pl.DataFrame | None = None


def run_seed(
    ds: Dataset,
    seed: int = 42,
    how: str = "random",
    k: int = 10,
    trials: int = 30,
    test_share: float = 0.2,
    grid: Mapping[str, Sequence[float]] | None = None,
    ranker: bool = False,
    candidates: int = rank.CANDIDATES,
) -> SeedResult:
    """Tune on validation, then measure every model once on the test share of one split.

    The split uses ``seed``, the validation split ``seed + 1``; ALS and optuna use ``seed``;
    ``grid`` is the blend's weight grid (default :data:`BLEND_GRID`). ``ranker`` adds the
    learned second stage (:mod:`~wealthgraph.recommend.rank`): trained on the candidates of the
    sources fitted on train minus validation with validation labels, then applied to the
    candidates (top ``candidates`` of each source) of the sources refitted on train.
    """
    grid = BLEND_GRID if grid is None else grid
    clock = time.perf_counter()
    seconds: dict[str, float] = {}
    train, test = split(ds, how, test_share, seed)
    inner, valid = split(train, how, test_share, seed + 1)
    tuned, als_trials = tune_als(inner.interactions, valid, trials=trials, seed=seed, k=k)
    seconds["tune_als"] = time.perf_counter() - clock
    clock = time.perf_counter()
    weights_default, _, _ = tune_blend(
        Sources(inner, DEFAULT_ALS, seed), valid, k, grid, variants=False
    )
    inner_sources = Sources(inner, tuned, seed)
    weights, variants, blend_trials = tune_blend(inner_sources, valid, k, grid)
    seconds["tune_blend"] = time.perf_counter() - clock
    clock = time.perf_counter()
    learned = None
    if ranker:
        learned = rank.train_ranker(inner_sources, valid, candidates, weights, seed=seed, k=k)
        seconds["train_ranker"] = time.perf_counter() - clock
        clock = time.perf_counter()
    del inner_sources

    users = np.arange(ds.shape[0])
    default_sources = Sources(train, DEFAULT_ALS, seed)
    sources = Sources(train, tuned, seed)
    configs_default = {"als_default": {"als": 1.0}, "blend_default": weights_default}
    configs: dict[str, Weights] = {
        "popularity": {"popularity": 1.0},
        "als_tuned": {"als": 1.0},
        "blend": weights,
        "blend_social0": _without(weights, ["social"]),
    }
    for name in SOURCES:
        configs[f"blend_without_{name}"] = _without(weights, [name])
    for name, variant in variants.items():
        configs[f"blend+{name}"] = variant
        configs[f"blend+{name}_nofriends"] = _without(variant, _social_names(variant))
    recs = default_sources.recommend(configs_default, users, k) | sources.recommend(
        configs, users, k
    )
    seconds["test"] = time.perf_counter() - clock
    test_recall = 0.0
    if learned is not None:
        clock = time.perf_counter()
        test_users = np.flatnonzero(np.diff(test.indptr))
        cands = rank.candidate_features(sources, test_users, candidates, weights)
        test_recall = cands.recall(test)
        recs["ranker"] = np.full((len(users), k), -1, dtype=np.int64)
        recs["ranker"][test_users] = learned.recommend(cands, k)
        del cands
        seconds["test_ranker"] = time.perf_counter() - clock

    shares = np.asarray((train.interactions > 0).sum(axis=0), dtype=np.float64).ravel()
    shares /= max(ds.shape[0], 1)
    summary = {name: ranking_metrics(ids, test, users, shares, k) for name, ids in recs.items()}
    per_user = {name: per_user_metrics(ids, test, users, k) for name, ids in recs.items()}
    ndcg = {name: values["ndcg"] for name, values in per_user.items()}
    tied = sources.has_ties()[per_user[REFERENCE]["users"]]

    def compare(a: str, b: str, mask: np.ndarray | None = None) -> tuple[float, float, float]:
        left, right = ndcg[a], ndcg[b]
        if mask is not None:
            left, right = left[mask], right[mask]
        return paired_bootstrap(left, right, seed=seed)

    main_models = [
        ("popularity", "-"),
        ("als_default", DEFAULT_ALS.text()),
        ("blend_default", weights_text(weights_default)),
        ("als_tuned", tuned.text()),
        ("blend", weights_text(weights)),
        ("blend_social0", weights_text(configs["blend_social0"])),
        *((f"blend+{name}", weights_text(w)) for name, w in variants.items()),
    ]
    if learned is not None:
        main_models.append(
            ("ranker", f"lambdarank C={candidates} trees={learned.info['best_iteration']}")
        )
    main = pl.DataFrame(
        [
            {
                "model": name,
                **{m: summary[name][m] for m in ("users", *METRICS)},
                **dict(zip(("d_ndcg", "ci_low", "ci_high"), compare(name, REFERENCE), strict=True)),
                "setting": setting,
            }
            for name, setting in main_models
        ]
    )
    ablation = pl.DataFrame(
        [
            {
                "removed": name,
                "weight": weights.get(name, 0.0),
                "ndcg_without": summary[f"blend_without_{name}"]["ndcg"],
                **dict(
                    zip(
                        ("contribution", "ci_low", "ci_high"),
                        compare("blend", f"blend_without_{name}"),
                        strict=True,
                    )
                ),
            }
            for name in SOURCES
        ]
    )
    social_rows = []
    social_models = [("blend", weights, "blend_social0")] + [
        (f"blend+{name}", w, f"blend+{name}_nofriends") for name, w in variants.items()
    ]
    for model, w, without in social_models:
        everyone = compare(model, without)
        with_ties = compare(model, without, tied)
        social_rows.append(
            {
                "model": model,
                "friends": weights_text({n: w[n] for n in _social_names(w)}),
                "ndcg": summary[model]["ndcg"],
                "ndcg_no_friends": summary[without]["ndcg"],
                "gain": everyone[0],
                "ci_low": everyone[1],
                "ci_high": everyone[2],
                "tied_users": int(tied.sum()),
                "gain_tied": with_ties[0],
                "tied_ci_low": with_ties[1],
                "tied_ci_high": with_ties[2],
            }
        )
    ranker_table = None
    ranker_info: dict[str, float] = {}
    if learned is not None:
        ranker_table = pl.DataFrame(
            [
                {
                    "versus": other,
                    "ndcg_ranker": summary["ranker"]["ndcg"],
                    "ndcg_other": summary[other]["ndcg"],
                    **dict(
                        zip(("d_ndcg", "ci_low", "ci_high"), compare("ranker", other), strict=True)
                    ),
                }
                for other in ("blend", REFERENCE)
            ]
        )
        ranker_info = {
            **{key: float(value) for key, value in learned.info.items()},
            "test_recall": test_recall,
        }
    return SeedResult(
        ranker=ranker_table,
        ranker_info=ranker_info,
        ranker_importances=None if learned is None else learned.importances(),
        seed=seed,
        als=tuned,
        weights_default=weights_default,
        weights=weights,
        variants=variants,
        main=main.with_columns(pl.col("users").cast(pl.Int64)),
        ablation=ablation,
        social=pl.DataFrame(social_rows),
        als_trials=als_trials,
        blend_trials=blend_trials,
        seconds=seconds,
    )


def mean_table(
    results: Sequence[SeedResult], table: str = "main", key: str = "model"
) -> pl.DataFrame:
    """Mean over seeds of a per-seed table's numbers; CI bounds are replaced by the number of
    seeds whose CI lay above 0 (``ci_above``) and below 0 (``ci_below``)."""
    stacked = pl.concat([getattr(r, table) for r in results])
    bounds = [c for c in stacked.columns if "ci_low" in c or "ci_high" in c]
    numeric = [
        c
        for c, kind in stacked.schema.items()
        if kind.is_numeric() and c != key and c not in bounds
    ]
    counts = []
    for low in (c for c in bounds if c.endswith("ci_low")):
        prefix = low[: -len("ci_low")]
        high = prefix + "ci_high"
        counts += [
            (pl.col(low) > 0).sum().alias(prefix + "ci_above"),
            (pl.col(high) < 0).sum().alias(prefix + "ci_below"),
        ]
    return stacked.group_by(key, maintain_order=True).agg(
        *(pl.col(c).mean() for c in numeric), *counts
    )
