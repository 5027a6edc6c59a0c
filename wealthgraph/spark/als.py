"""Implicit ALS split across machines: item factors fitted by Spark MLlib over every shard's
interactions, then each shard's users solved on their own against those fixed item factors.

An item's factors need every user who touched it, in whichever shard, so that fit is the
cross-shard step; a user's factors need only their own row and the item factors, so each shard
solves its users in closed form (one small linear system per user, as implicit's
``recalculate_user``) without Spark.

MLlib and implicit write the same model (Hu, Koren & Volinsky 2008) differently, so the
settings are translated to give the same objective wherever they can:

- Confidence. implicit fits ``C = alpha * w`` with preference 1 on the stored entries of
  ``w`` (the weighted matrix, e.g. ``log1p`` of plays) and confidence 1, preference 0
  elsewhere; MLlib fits ``C = 1 + alpha * r`` and reads ``r <= 0`` as preference 0. MLlib
  gets ``alpha`` and ``r = w - 1 / alpha``, so ``1 + alpha * r = alpha * w`` exactly wherever
  ``alpha * w > 1``; below that (a single Last.fm play at ``alpha = 1``: ``log1p(1) = 0.69``,
  0.7% of entries) ``r`` is floored at :data:`MIN_RATING`: confidence ~1 instead of 0.69,
  preference still 1.
- Regularisation. implicit adds ``lambda`` to every solve; MLlib adds ``regParam * n``, ``n``
  the row's number of positive entries (ALS-WR). Only MLlib's item solves reach the result
  (users are re-solved here with implicit's plain ``lambda``), so ``regParam`` is ``lambda``
  over the mean number of users per item: the average item gets implicit's penalty, popular
  items more and rare ones less (:func:`mllib_reg_param`).
- Solver and start differ and are left so: MLlib solves each system exactly (Cholesky) from its
  own random start, implicit by 3 conjugate-gradient steps per solve from uniform noise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# MLlib's checkpoint interval (its default): the lineage a task carries stays that short
CHECKPOINT_EVERY = 10
# the smallest rating handed to MLlib for a stored entry: a rating of 0 or less would be read
# as "not liked" (preference 0), the opposite of what a stored entry means
MIN_RATING = 1e-6


def mllib_ratings(user_items: sp.csr_matrix | sp.csr_array, alpha: float) -> pa.Table:
    """The stored entries of ``user_items`` as MLlib ratings (``user``, ``item``, ``rating``),
    with ``1 + alpha * rating`` equal to implicit's confidence ``alpha * w`` (floored at
    :data:`MIN_RATING`, see the module docstring)."""
    if alpha <= 0:
        raise ValueError(f"alpha must be positive, not {alpha}")
    coo = sp.coo_matrix(user_items)
    if coo.nnz and coo.data.min() < 0:
        # implicit reads a negative entry as a dislike, which has no MLlib rating here
        raise ValueError("user_items must hold non-negative entries only")
    keep = coo.data != 0
    rating = np.maximum(coo.data[keep].astype(np.float64) - 1.0 / alpha, MIN_RATING)
    return pa.table(
        {
            "user": pa.array(coo.row[keep], pa.int32()),
            "item": pa.array(coo.col[keep], pa.int32()),
            "rating": pa.array(rating.astype(np.float32), pa.float32()),
        }
    )


def mllib_reg_param(user_items: sp.csr_matrix | sp.csr_array, regularization: float) -> float:
    """MLlib's ``regParam`` for implicit's ``regularization``: divided by the mean number of
    users per item (over items with any), so the mean item solve has implicit's penalty."""
    users_per_item = np.bincount(sp.coo_matrix(user_items).col, minlength=user_items.shape[1])
    held = users_per_item[users_per_item > 0]
    return regularization / float(held.mean()) if len(held) else regularization


def fit_item_factors(
    spark: SparkSession,
    user_items: sp.csr_matrix | sp.csr_array,
    factors: int = 64,
    regularization: float = 0.01,
    alpha: float = 1.0,
    iterations: int = 15,
    seed: int = 42,
    blocks: int | None = None,
) -> np.ndarray:
    """Item factors (items x factors, float32) of MLlib's implicit ALS on ``user_items``.

    ``user_items`` is the weighted matrix implicit would be fitted on (e.g.
    :func:`wealthgraph.recommend.model.weigh` of the interactions) and the hyperparameters are
    implicit's, translated as the module docstring says. An item nobody touched gets zero
    factors (what implicit's solve gives it). ``blocks``: MLlib's user and item blocks, the
    session's default parallelism unless given (MLlib's 10 only adds overhead on a few cores).
    """
    from pyspark.ml.recommendation import ALS

    if iterations > CHECKPOINT_EVERY and spark.sparkContext.getCheckpointDir() is None:
        # MLlib checkpoints only into a folder set on the context; without one the lineage
        # grows by an iteration each time and deep fits overflow the stack (40 did, locally)
        raise ValueError(
            f"{iterations} ALS iterations need a checkpoint folder: call "
            "spark.sparkContext.setCheckpointDir (local_session sets one)"
        )
    n_items = user_items.shape[1]
    ratings = spark.createDataFrame(mllib_ratings(user_items, alpha))
    blocks = blocks or spark.sparkContext.defaultParallelism
    als = ALS(
        rank=factors,
        maxIter=iterations,
        regParam=mllib_reg_param(user_items, regularization),
        implicitPrefs=True,
        alpha=alpha,
        userCol="user",
        itemCol="item",
        ratingCol="rating",
        seed=seed,
        numUserBlocks=blocks,
        numItemBlocks=blocks,
        checkpointInterval=CHECKPOINT_EVERY,
    )
    model = als.fit(ratings)
    table = model.itemFactors.toArrow()
    out = np.zeros((n_items, factors), dtype=np.float32)
    ids = table.column("id").to_numpy()
    # every row is a list of exactly ``factors`` floats: flattened, they reshape without copies
    values = table.column("features").combine_chunks().flatten().to_numpy(zero_copy_only=False)
    out[ids] = values.reshape(len(ids), factors)
    return out


def solve_users(
    item_factors: np.ndarray,
    user_items: sp.csr_matrix | sp.csr_array,
    regularization: float = 0.01,
    alpha: float = 1.0,
) -> np.ndarray:
    """User factors (users x factors, float32) against fixed ``item_factors``, in closed form.

    Per user ``u`` with stored entries ``w`` on items ``I``: confidence ``c = alpha * w``,
    ``(Y'Y + Y_I' diag(c - 1) Y_I + regularization * I) x_u = Y_I' c``, the system implicit's
    ``recalculate_user`` solves (Cholesky), so a shard needs only its users' rows and the item
    factors. A user without entries gets zeros. Entries must be positive.
    """
    y = np.asarray(item_factors, dtype=np.float64)
    matrix = sp.csr_matrix(user_items)
    if matrix.shape[1] != y.shape[0]:
        raise ValueError(f"{matrix.shape[1]} items in user_items, {y.shape[0]} item factors")
    if matrix.nnz and matrix.data.min() <= 0:
        raise ValueError("user_items must hold positive entries only")
    base = y.T @ y + regularization * np.eye(y.shape[1])
    out = np.zeros((matrix.shape[0], y.shape[1]), dtype=np.float32)
    for user in range(matrix.shape[0]):
        start, end = matrix.indptr[user], matrix.indptr[user + 1]
        if start == end:
            continue
        held = y[matrix.indices[start:end]]
        confidence = alpha * matrix.data[start:end].astype(np.float64)
        # Y'C_uY = Y'Y + Y_I'(C_I - 1)Y_I: the unheld items' confidence of 1 is already in Y'Y
        a = base + (held.T * (confidence - 1.0)) @ held
        out[user] = np.linalg.solve(a, held.T @ confidence)
    return out
