"""Last.fm HetRec 2011 as a public benchmark for the social blend.

Last.fm is the stand-in for the bank's app: friends are the ties, artists stand in for products
(listen counts are implicit feedback) and tags for topics. The protocol is the one the
social-recommendation literature reports on this data (a random 80/20 split per user, top-10
metrics), so our figures compare with published ones. Blend weights are tuned on a validation
split cut from the training share only, so the test share is looked at once, at the end.
The general harness (any dataset, tuned ALS, ablation, social variants, bootstrap CIs) is
``wealthgraph.recommend.harness``; this module keeps the original artists-and-tags benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import product
from pathlib import Path

import numpy as np
import polars as pl
import scipy.sparse as sp

from wealthgraph.recommend.harness import random_train_mask, take_entries
from wealthgraph.recommend.metrics import ranking_metrics
from wealthgraph.recommend.model import (
    SOURCES,
    BlendWeights,
    SocialBlend,
    batches,
    drop_held,
    top_n,
)
from wealthgraph.recommend.tune import AlsParams, fit_als

USER_ARTISTS = "user_artists.dat"
USER_FRIENDS = "user_friends.dat"
USER_TAGGED = "user_taggedartists.dat"
TAGS = "tags.dat"

# Small on purpose: 36 points on one validation split; a finer grid would fit its noise.
DEFAULT_GRID: dict[str, tuple[float, ...]] = {
    "als": (1.0,),
    "social": (0.0, 0.1, 0.2, 0.5),
    "coholding": (0.0, 0.2, 0.5),
    "popularity": (0.0, 0.05, 0.2),
}
POPULARITY = BlendWeights(0.0, 0.0, 0.0, 1.0)
ALS = BlendWeights(1.0, 0.0, 0.0, 0.0)
# every source on, so one fit precomputes all of them for the whole grid
ALL_SOURCES = BlendWeights(1.0, 1.0, 1.0, 1.0)


@dataclass(frozen=True)
class LastfmData:
    """The Last.fm matrices, rows aligned on ``user_ids``.

    Attributes
    ----------
    user_ids, item_ids, tag_ids
        Last.fm ids of the rows of every matrix, the columns of ``plays`` and of ``user_tags``.
    tag_names
        Tag text per column of ``user_tags`` (tags.dat is latin-1, read as such).
    plays
        users x artists listen counts: the implicit feedback ALS is fitted on.
    ties
        Symmetric binary users x users friend matrix, zero diagonal; friends outside
        user_artists are dropped because they have no row to borrow tastes from.
    user_tags
        users x tags, how many artists each user tagged with each tag (tags as topics).
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    tag_ids: np.ndarray
    tag_names: list[str]
    plays: sp.csr_matrix
    ties: sp.csr_matrix
    user_tags: sp.csr_matrix


def read_table(src: Path, name: str, encoding: str = "utf8") -> pl.DataFrame:
    """One tab-separated HetRec file; a missing file is named, not left to polars' message."""
    path = src / name
    if not path.is_file():
        raise FileNotFoundError(
            f"Last.fm HetRec 2011 file missing: {path} (expected in {src}: "
            f"{USER_ARTISTS}, {USER_FRIENDS}, {USER_TAGGED}, {TAGS})"
        )
    # no quoting: tag texts and artist names contain bare double quotes
    return pl.read_csv(path, separator="\t", encoding=encoding, quote_char=None)


def _index(ids: pl.Series, name: str, position: str) -> pl.DataFrame:
    """Sorted unique ids with their 0-based position, to join ids to matrix rows or columns."""
    return ids.unique().sort().to_frame(name).with_row_index(position)


def _csr(
    rows: pl.Series, cols: pl.Series, values: np.ndarray, shape: tuple[int, int]
) -> sp.csr_matrix:
    """A canonical csr (duplicates summed, indices sorted) so a seeded split is reproducible."""
    matrix = sp.csr_matrix(
        (values.astype(np.float32), (rows.to_numpy(), cols.to_numpy())), shape=shape
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


def load(src: Path) -> LastfmData:
    """Read the HetRec 2011 Last.fm files in ``src`` into sparse matrices.

    Users are those of user_artists.dat (all 1,892): the listening history is what ALS learns
    from, so a user without one would only add empty rows. Tags are those used at least once,
    since an unused tag can be neither learnt nor held out.
    """
    src = Path(src)
    listened = read_table(src, USER_ARTISTS)
    friends = read_table(src, USER_FRIENDS)
    tagged = read_table(src, USER_TAGGED)
    tag_text = read_table(src, TAGS, encoding="latin1")
    users = _index(listened["userID"], "userID", "u")
    artists = _index(listened["artistID"], "artistID", "i")
    tags = (
        _index(tagged["tagID"], "tagID", "t")
        .join(tag_text, on="tagID", how="left")
        .sort("t")  # a join does not promise to keep the left order
    )
    n_users = users.height

    plays = listened.join(users, on="userID").join(artists, on="artistID")
    pairs = friends.join(users, on="userID").join(
        users.rename({"userID": "friendID", "u": "f"}), on="friendID"
    )
    ties = _csr(pairs["u"], pairs["f"], np.ones(pairs.height), (n_users, n_users))
    # the file lists both directions; symmetrise anyway so a one-way row cannot skew the source
    ties = sp.csr_matrix(((ties + ties.T) > 0).astype(np.float32))
    ties.setdiag(0)
    ties.eliminate_zeros()
    topics = (
        tagged.join(users, on="userID")
        .group_by("u", "tagID")
        .len()
        .join(tags.select("tagID", "t"), on="tagID")
    )
    return LastfmData(
        user_ids=users["userID"].to_numpy(),
        item_ids=artists["artistID"].to_numpy(),
        tag_ids=tags["tagID"].to_numpy(),
        tag_names=tags["tagValue"].fill_null("").to_list(),
        plays=_csr(plays["u"], plays["i"], plays["weight"].to_numpy(), (n_users, artists.height)),
        ties=ties,
        user_tags=_csr(topics["u"], topics["t"], topics["len"].to_numpy(), (n_users, tags.height)),
    )


def per_user_split(
    matrix: sp.csr_matrix | sp.csr_array, test_share: float = 0.2, seed: int = 42
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Random split of each user's stored entries into train and test, keeping the values.

    Each user keeps ``round((1 - test_share) * n)`` of their ``n`` entries for training (at
    least one, so nobody is cold in train only because of the split), chosen by a seeded random
    key per entry. The keys are drawn in canonical csr order (by user, then item), which for
    the sorted Last.fm files is the file order, so this is the usual protocol on this data.
    """
    m = sp.csr_matrix(matrix, copy=True)
    m.sum_duplicates()
    m.sort_indices()
    in_train = random_train_mask(m, test_share, seed)
    train, _ = take_entries(m, in_train)
    test, _ = take_entries(m, ~in_train)
    return train, test


def item_shares(train: sp.csr_matrix) -> np.ndarray:
    """Share of users holding each item in ``train``: the popularity novelty is measured by."""
    return np.asarray((train > 0).sum(axis=0), dtype=np.float64).ravel() / max(train.shape[0], 1)


def _weights_text(weights: BlendWeights) -> str:
    return " ".join(f"{name}={value:g}" for name, value in weights.items())


def tune_weights(
    train: sp.csr_matrix,
    ties: sp.csr_matrix,
    grid: Mapping[str, Sequence[float]] = DEFAULT_GRID,
    seed: int = 43,
    k: int = 10,
    als: AlsParams | None = None,
) -> tuple[BlendWeights, pl.DataFrame]:
    """Pick blend weights by nDCG@k on a validation split carved out of ``train``.

    ``train`` is split per user again (with ``seed``, which should differ from the outer
    split's so the validation items are not a pattern of the test items), one model with every
    source is fitted on the inner train, and every grid point only re-weights the precomputed
    source scores: ALS is fitted once, not once per point. ``grid`` maps each source in
    :data:`~wealthgraph.recommend.model.SOURCES` to its candidate weights. ``als`` is the ALS
    setting the blend is tuned on top of (None: SocialBlend's own defaults); tune it first
    (:func:`~wealthgraph.recommend.tune.tune_als`) on the same validation split.

    Returns
    -------
    best, table
        The best weights (ties go to the earlier grid point) and every point's validation
        metrics, best first.
    """
    inner, valid = per_user_split(train, seed=seed)
    model = blend(ALL_SOURCES, inner, ties, seed, als)
    points = [BlendWeights(*values) for values in product(*(grid[name] for name in SOURCES))]
    users = np.flatnonzero(np.diff(valid.indptr))
    recs = np.full((len(points), len(users), k), -1, dtype=np.int64)
    start = 0
    for batch in batches(users, model.confidence.shape[1]):
        model.weights = ALL_SOURCES
        sources = model.source_scores(batch)
        # score() reads model.weights, so each point re-weights the same source scores
        for p, weights in enumerate(points):
            model.weights = weights
            blended = model.score(batch, sources)
            drop_held(blended, model.held[batch])
            ids = top_n(blended, k)[0]
            recs[p, start : start + len(batch), : ids.shape[1]] = ids
        start += len(batch)
    shares = item_shares(inner)
    table = pl.DataFrame(
        [
            {**dict(weights.items()), **ranking_metrics(recs[p], valid, users, shares, k)}
            for p, weights in enumerate(points)
        ]
    ).with_row_index("point")
    table = (
        table.sort(["ndcg", "point"], descending=[True, False])
        .drop("point")
        .with_columns(pl.col("users").cast(pl.Int64))
    )
    best = BlendWeights(*(float(table[name][0]) for name in SOURCES))
    return best, table


def blend(
    weights: BlendWeights,
    train: sp.csr_matrix,
    ties: sp.csr_matrix | None,
    seed: int,
    als: AlsParams | None = None,
) -> SocialBlend:
    """SocialBlend fitted on ``train``; with ``als``, its ALS is fitted with that setting.

    ``als=None`` is exactly ``SocialBlend(weights, random_state=seed).fit(train, ties)``.
    """
    if als is None:
        return SocialBlend(weights, random_state=seed).fit(train, ties)
    # every other source from SocialBlend (its own ALS skipped at weight 0), then the tuned ALS
    model = SocialBlend(replace(weights, als=0.0), random_state=seed).fit(train, ties)
    if weights.als > 0:
        model.als = fit_als(train, als, seed)
    model.weights = weights
    return model


def _evaluate_task(
    task: str,
    matrix: sp.csr_matrix,
    ties: sp.csr_matrix,
    seed: int,
    k: int,
    grid: Mapping[str, Sequence[float]],
    tables: dict[str, pl.DataFrame] | None,
    als: AlsParams | None = None,
) -> list[dict[str, object]]:
    """Popularity, ALS and the tuned blend on one split of ``matrix``, test looked at once."""
    train, test = per_user_split(matrix, seed=seed)
    started = time.perf_counter()
    best, table = tune_weights(train, ties, grid, seed=seed + 1, k=k, als=als)
    tune_s = time.perf_counter() - started
    if tables is not None:
        tables[task] = table
    users = np.arange(matrix.shape[0])
    shares = item_shares(train)
    rows: list[dict[str, object]] = []
    for name, weights in (("popularity", POPULARITY), ("als", ALS), ("social_blend", best)):
        started = time.perf_counter()
        model = blend(weights, train, ties, seed, als)
        fitted = time.perf_counter()
        ids, _ = model.recommend(users, k)
        done = time.perf_counter()
        tuned = name == "social_blend"
        rows.append(
            {
                "task": task,
                "model": name,
                **ranking_metrics(ids, test, users, shares, k),
                "fit_s": fitted - started,
                "recommend_s": done - fitted,
                "tune_s": tune_s if tuned else None,
                "val_ndcg": float(table["ndcg"][0]) if tuned else None,
                "weights": _weights_text(weights),
            }
        )
    return rows


def evaluate(
    data: LastfmData,
    seed: int = 42,
    k: int = 10,
    grid: Mapping[str, Sequence[float]] = DEFAULT_GRID,
    tables: dict[str, pl.DataFrame] | None = None,
    als: AlsParams | None = None,
) -> pl.DataFrame:
    """Test metrics at ``k`` of popularity, ALS and the tuned social blend, artists and tags.

    Every model of a task is scored on the same split of the same run, so rows compare. The
    tags task recommends tags a user will use (topics), with the same friends as ties. Pass a
    dict as ``tables`` to receive each task's validation table (keyed by task). ``als`` sets
    the ALS of the ALS baseline and of the blend (None: SocialBlend's defaults); the harness
    (``python -m wealthgraph.recommend evaluate lastfm``) tunes it on validation.

    Returns
    -------
    polars.DataFrame
        One row per task and model: evaluated users, precision, recall, ndcg, map, coverage,
        novelty, fit / recommend / tuning seconds, the chosen blend's validation nDCG, weights.
    """
    rows = [
        row
        for task, matrix in (("artists", data.plays), ("tags", data.user_tags))
        for row in _evaluate_task(task, matrix, data.ties, seed, k, grid, tables, als)
    ]
    return pl.DataFrame(rows).with_columns(pl.col("users").cast(pl.Int64))
