"""People you may know: friends-of-friends and small-group co-members, scored and ranked."""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
import scipy.sparse as sp

from wealthgraph.graph.edgelist import IndexedEdges, index_edges

GROUP_BONUS = 0.5
OUTPUT_SCHEMA = {
    "rank": pl.Int64,
    "score": pl.Float64,
    "mutual_friends": pl.Int64,
    "shared_groups": pl.Int64,
    "reason": pl.String,
}


def people_you_may_know(
    friends: pl.DataFrame,
    memberships: pl.DataFrame,
    top_n: int = 10,
    max_group_size: int = 200,
    max_friend_degree: int = 1000,
    max_via: int | None = 50,
    batch_pairs: int = 10_000_000,
    workers: int | None = None,
) -> pl.DataFrame:
    """Top ``top_n`` friend suggestions per customer, best first.

    ``friends`` holds undirected pairs ``src_id``, ``dst_id`` with tie strength ``weight`` > 0
    (cleaned as in :func:`~wealthgraph.graph.node_metrics`: no self-loops, repeats summed);
    ``memberships`` holds ``customer_id``, ``group_id``. The score of candidate ``v`` for ``u``
    is a tie-strength-weighted Adamic-Adar index plus a smaller bonus per shared group::

        sum over mutual friends z of sqrt(w(u,z) * w(z,v)) / log(1 + degree(z))
        + sum over shared groups g with 2 <= |g| <= max_group_size of 0.5 / log(1 + |g|)

    The geometric mean of the two ties makes a mutual friend count for much when both ties are
    strong and little when either is weak; ``degree`` (friend count) discounts popular friends
    as in Adamic-Adar. Scores scale with the weights: with unit ties, one mutual friend who has
    20 friends adds 0.33, a shared group of 2 adds 0.46 and one of 200 adds 0.09.

    Candidates are everyone reachable through a mutual friend or a group of at most
    ``max_group_size``; existing friends and the customer are never suggested. Friends with
    more than ``max_friend_degree`` friends are skipped as mutual friends when generating and
    scoring candidates (a hub of degree d alone makes d² pairs and says little about any of
    them), but ``mutual_friends`` counts every mutual friend, hubs included. ``shared_groups``
    counts the groups that score, i.e. of at most ``max_group_size`` members. Ties in score go
    to the smaller ``candidate_id``.

    ``max_via`` bounds the two-hop product: a customer looks through only their ``max_via``
    strongest usable friends, and each of those introduces only their own ``max_via``
    strongest friends (ties in weight to the smaller id), so friend-of-friend candidate pairs
    number at most ``n * max_via²`` whatever the degrees; ``None`` (or a ``max_via`` at least
    the largest degree) scores every two-hop path. The two caps complement each other: the
    degree cap drops hubs that say little about anyone, ``max_via`` bounds the rest.

    Work is done as sparse products over row batches of about ``batch_pairs`` candidate pairs,
    so memory stays bounded: ~1M customers with ~20 friends run in minutes and a few GB.
    ``workers`` batches run at once (default: one per core, at most 2), in threads: SciPy's
    sparse products release the GIL.

    Returns ``customer_id``, ``candidate_id``, ``rank`` (1..top_n), ``score``,
    ``mutual_friends``, ``shared_groups`` and ``reason`` such as ``"8 mutual friends, 1 shared
    group"``.

    Examples
    --------
    >>> friends = pl.DataFrame({"src_id": ["ann", "bob"], "dst_id": ["bob", "cat"],
    ...                         "weight": [1.0, 1.0]})
    >>> groups = pl.DataFrame({"customer_id": ["ann"], "group_id": ["g1"]}).clear()
    >>> people_you_may_know(friends, groups).select("customer_id", "candidate_id", "reason").rows()
    [('ann', 'cat', '1 mutual friend'), ('cat', 'ann', '1 mutual friend')]
    """
    graph = index_edges(friends, extra_nodes=memberships["customer_id"])
    n = graph.n
    out_schema = {"customer_id": graph.nodes.dtype, "candidate_id": graph.nodes.dtype}
    if n == 0 or top_n <= 0:
        return pl.DataFrame(schema={**out_schema, **OUTPUT_SCHEMA})

    degree = graph.degree()
    adjacency = _symmetric(graph, np.ones(2 * len(graph.lo)))
    member, member_bin = _memberships(graph, memberships, max_group_size)
    usable = (degree > 0) & (degree <= max_friend_degree)
    left, right, pairs_per_row = _score_factors(graph, adjacency, degree, usable, member, max_via)
    # Candidate pairs a row generates: friends of its kept friends (above) + its group sizes.
    pairs_per_row += member_bin @ np.asarray(member_bin.sum(axis=0)).ravel()

    def batch(bounds: tuple[int, int]) -> pl.DataFrame:
        rows = np.arange(*bounds)
        top = _top_per_row(left[rows] @ right, rows, top_n)
        us, vs = top["customer"].to_numpy(), top["candidate"].to_numpy()
        return top.with_columns(
            mutual_friends=_row_dots(adjacency, us, vs),
            shared_groups=_row_dots(member_bin, us, vs),
        )

    bounds = list(itertools.pairwise(_batches(pairs_per_row, batch_pairs)))
    workers = workers or min(2, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(bounds)))) as pool:
        parts = list(pool.map(batch, bounds))  # in batch order: the output does not depend on it
    found = pl.concat(parts)
    if found.height == 0:
        return pl.DataFrame(schema={**out_schema, **OUTPUT_SCHEMA})
    return found.select(
        customer_id=graph.nodes.gather(found["customer"]),
        candidate_id=graph.nodes.gather(found["candidate"]),
        rank=pl.col("rank").cast(pl.Int64),
        score=pl.col("score"),
        mutual_friends=pl.col("mutual_friends").cast(pl.Int64),
        shared_groups=pl.col("shared_groups").cast(pl.Int64),
        reason=_reason(pl.col("mutual_friends"), pl.col("shared_groups")),
    )


def _score_factors(
    graph: IndexedEdges,
    adjacency: sp.csr_array,
    degree: np.ndarray,
    usable: np.ndarray,
    member: sp.csr_array,
    max_via: int | None = None,
) -> tuple[sp.csr_array, sp.csr_array, np.ndarray]:
    """``L``, ``R`` with ``(L @ R)[u, v]`` = score of ``v`` for ``u``, or -inf if ``v`` is ``u``
    or a friend of ``u``: one sparse product scores and excludes at once; and per ``u`` the
    number of friend-of-friend pairs ``C @ C'^T`` generates (its batching cost).

    ``L = [C | M | -inf (A + I)]`` and ``R = [C' | M | I]^T`` where ``C[u, z] = sqrt(w(u, z)) /
    sqrt(log(1 + deg z))`` over usable (non-hub) friends ``z``, kept to each ``u``'s
    ``max_via`` strongest; ``C'[v, z]`` is the same over each ``z``'s ``max_via`` strongest
    friends ``v``; ``M`` holds the roots of the group bonuses. Scaling is done in place on
    copies to keep the peak memory down.
    """
    n = graph.n
    scale = np.divide(1.0, np.sqrt(np.log1p(degree)), out=np.zeros(n), where=usable)
    friend = _symmetric(graph, np.sqrt(np.concatenate([graph.weight, graph.weight])))
    friend_t = friend.copy()
    if max_via is not None and max_via < int(degree.max(initial=0)):
        friend = _strongest(friend, max_via, usable)  # u looks through its strongest friends
        friend_t = _strongest(friend_t, max_via)  # z introduces its strongest friends
    friend.data *= scale[friend.indices]  # C: scale the column (the mutual friend)
    friend_t.data *= np.repeat(scale, np.diff(friend_t.indptr))  # C'^T: scale the row
    friend.eliminate_zeros()
    friend_t.eliminate_zeros()
    identity = sp.eye_array(n, format="csr")
    known = adjacency + identity
    known.data.fill(-np.inf)
    pairs = (friend != 0).astype(np.float64) @ np.diff(friend_t.indptr).astype(np.float64)
    left = sp.hstack([friend, member, known], format="csr")
    del friend, known
    right = sp.vstack([friend_t, member.T, identity], format="csr")
    return left, right, pairs


def _strongest(matrix: sp.csr_array, k: int, eligible: np.ndarray | None = None) -> sp.csr_array:
    """``matrix`` keeping, per row, its ``k`` largest entries in ``eligible`` columns (ties to
    the smaller column); the rest become explicit zeros, dropped.

    Examples
    --------
    >>> m = sp.csr_array(np.array([[0, 3.0, 1.0, 3.0], [2.0, 0, 0, 0]]))
    >>> _strongest(m, 2).toarray().tolist()
    [[0.0, 3.0, 0.0, 3.0], [2.0, 0.0, 0.0, 0.0]]
    """
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    ok = np.ones(matrix.nnz, dtype=bool) if eligible is None else eligible[matrix.indices]
    keep = ok.copy()
    # Only rows with more than k eligible entries need sorting: few, so this stays cheap.
    crowded = np.flatnonzero((np.bincount(rows[ok], minlength=matrix.shape[0]) > k)[rows] & ok)
    # Strongest first, then the smaller column, row by row.
    order = crowded[np.lexsort((matrix.indices[crowded], -matrix.data[crowded], rows[crowded]))]
    sorted_rows = rows[order]
    first = np.searchsorted(sorted_rows, sorted_rows, side="left")
    keep[order] = np.arange(len(order)) - first < k
    out = matrix.copy()
    out.data[~keep] = 0.0
    out.eliminate_zeros()
    return out


def _symmetric(graph: IndexedEdges, data: np.ndarray) -> sp.csr_array:
    rows = np.concatenate([graph.lo, graph.hi])
    cols = np.concatenate([graph.hi, graph.lo])
    return sp.csr_array((data, (rows, cols)), shape=(graph.n, graph.n))


def _memberships(
    graph: IndexedEdges, memberships: pl.DataFrame, max_group_size: int
) -> tuple[sp.csr_array, sp.csr_array]:
    """Customer x group matrices over groups of 2..max_group_size: bonus weights and 0/1."""
    lookup = pl.DataFrame(
        {"customer_id": graph.nodes, "row": pl.int_range(graph.n, dtype=pl.Int32, eager=True)}
    )
    m = (
        memberships.lazy()
        .select("customer_id", "group_id")
        .drop_nulls()
        .unique()
        .with_columns(pl.col("customer_id").cast(graph.nodes.dtype))
        .with_columns(size=pl.len().over("group_id"))
        .filter(pl.col("size").is_between(2, max_group_size))
        .join(lookup.lazy(), on="customer_id")
        .with_columns(col=pl.col("group_id").rank("dense").cast(pl.Int32) - 1)
        .collect()
    )
    shape = (graph.n, int(m["col"].max() or 0) + 1 if m.height else 0)
    index = (m["row"].to_numpy(), m["col"].to_numpy())
    weight = np.sqrt(GROUP_BONUS / np.log1p(m["size"].to_numpy().astype(np.float64)))
    ones = np.ones(m.height)
    return sp.csr_array((weight, index), shape=shape), sp.csr_array((ones, index), shape=shape)


def _batches(cost: np.ndarray, budget: int) -> np.ndarray:
    """Row boundaries so each batch's summed cost is about ``budget`` (a row is never split)."""
    cut = np.searchsorted(np.cumsum(cost), np.arange(budget, cost.sum(), budget), side="right")
    return np.unique(np.concatenate([[0], cut, [len(cost)]]))


def _top_per_row(scores: sp.csr_array, rows: np.ndarray, top_n: int) -> pl.DataFrame:
    """The ``top_n`` best positive-score candidates per row, ties to the smaller index."""
    keep = scores.data > 0  # known people carry -inf
    frame = (
        pl.DataFrame(
            {
                "customer": np.repeat(rows, np.diff(scores.indptr))[keep],
                "candidate": scores.indices[keep].astype(np.int64),
                "score": scores.data[keep],
            }
        )
        # A cheap per-row cut to the top_n-th best score (ties kept) before the exact sort.
        .filter(pl.col("score") >= pl.col("score").top_k(top_n).min().over("customer"))
        .sort(["customer", "score", "candidate"], descending=[False, True, False])
    )
    return frame.with_columns(rank=pl.int_range(1, pl.len() + 1).over("customer")).filter(
        pl.col("rank") <= top_n
    )


def _row_dots(matrix: sp.csr_array, us: np.ndarray, vs: np.ndarray) -> np.ndarray:
    """``matrix[u] · matrix[v]`` for each pair: common neighbours or groups when 0/1."""
    if len(us) == 0 or matrix.shape[1] == 0:
        return np.zeros(len(us), dtype=np.int64)
    return np.rint(matrix[us].multiply(matrix[vs]).sum(axis=1)).astype(np.int64)


def _reason(mutual: pl.Expr, groups: pl.Expr) -> pl.Expr:
    def part(count: pl.Expr, noun: str) -> pl.Expr:
        return (
            pl.when(count == 1)
            .then(pl.lit(f"1 {noun}"))
            .when(count > 1)
            .then(pl.format(f"{{}} {noun}s", count))
        )

    return pl.concat_str(
        [part(mutual, "mutual friend"), part(groups, "shared group")],
        separator=", ",
        ignore_nulls=True,
    )
