"""The friend graph (circles + preferential-attachment cross-links), its changes inside the window,
and product-class / topic preferences that spread along it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.random import Generator

from .circles import KINDS, Circles, draw_rows, topic_prior
from .common import NEVER, Window, segment_draw
from .people import People

PREF_CLASSES = ("time_deposit", "wealth", "fund", "insurance", "precious_metal")
EDGE_KINDS = ("family", "colleague", "group", "cross")  # Graph.kind codes
TIE_WEIGHT = np.array([3.0, 2.0, 1.0, 0.8])


@dataclass
class Graph:
    """Undirected friendships (``a < b``) with timing, plus a directed CSR view for sampling."""

    a: np.ndarray
    b: np.ndarray
    kind: np.ndarray
    since: np.ndarray  # day the friendship began (reference edges) or was added in the window
    added: np.ndarray  # True: friend_add event in the window, not in the reference file
    removed: np.ndarray  # window day of the friend_remove event, NEVER if it stays
    initiator: np.ndarray  # customer who adds / removes (the event's user_id)
    indptr: np.ndarray
    nbr: np.ndarray
    edge: np.ndarray
    cum: np.ndarray  # cumulative tie weight with a leading zero, aligned to ``nbr``

    def degree(self) -> np.ndarray:
        """Degree over every edge that exists at some point."""
        return np.diff(self.indptr)

    def usable(self, pos: np.ndarray, day: int) -> np.ndarray:
        """Whether CSR positions are friendships during the whole of ``day``."""
        e = self.edge[pos]
        return (self.since[e] < day) & (self.removed[e] > day)

    def random_friend(self, rng: Generator, users: np.ndarray, day: int) -> np.ndarray:
        """A tie-weighted friend per user valid on ``day``; -1 where there is none."""
        lo = self.indptr[users]
        hi = self.indptr[users + 1]
        out = np.full(len(users), -1, dtype=np.int64)
        has = hi > lo
        pos = segment_draw(rng, self.cum, lo[has], hi[has])
        ok = self.usable(pos, day)
        idx = np.flatnonzero(has)[ok]
        out[idx] = self.nbr[pos[ok]]
        return out

    def neighbours(self, users: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray]:
        """All (query row, friend) pairs valid on ``day`` for the given users."""
        lo = self.indptr[users]
        cnt = self.indptr[users + 1] - lo
        rows = np.repeat(np.arange(len(users)), cnt)
        pos = np.repeat(lo - np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt) + np.arange(
            int(cnt.sum())
        )
        ok = self.usable(pos, day)
        return rows[ok], self.nbr[pos[ok]]


def build_graph(rng: Generator, p: People, c: Circles, window: Window) -> Graph:
    """Draw friendships layer by layer and time the ones that change inside the window."""
    n = p.n
    w = p.sociability
    parts = [
        _family_pairs(rng, c.family),
        _within(rng, c.circle, w**0.5, lambda k: k * np.minimum(k - 1, 2.5 + 0.2 * k) / 2),
        _group_pairs(rng, c, w),
        _cross(rng, p.city, w),
    ]
    a = np.concatenate([x[0] for x in parts])
    b = np.concatenate([x[1] for x in parts])
    kind = np.concatenate([np.full(len(x[0]), k) for k, x in enumerate(parts)])
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    ok = lo != hi
    lo, hi, kind = lo[ok], hi[ok], kind[ok]
    # the first layer that produced a pair names its kind (family beats colleague beats ...)
    _, first = np.unique(lo * n + hi, return_index=True)
    lo, hi, kind = lo[first], hi[first], kind[first]
    return _timeline(rng, p, window, lo, hi, kind)


def _family_pairs(rng: Generator, family: np.ndarray):
    order = np.argsort(family, kind="stable")
    size = np.bincount(family)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    a_list, b_list = [], []
    for i in range(int(size.max())):
        for j in range(i + 1, int(size.max())):
            fam = np.flatnonzero(size > j)
            keep = rng.random(len(fam)) < 0.85
            a_list.append(order[start[fam[keep]] + i])
            b_list.append(order[start[fam[keep]] + j])
    return np.concatenate(a_list), np.concatenate(b_list)


def _within(rng: Generator, label: np.ndarray, weight: np.ndarray, edges_for):
    """Chung-Lu edges inside each label's members: weighted endpoints, expected edges per label."""
    order = np.argsort(label, kind="stable")
    size = np.bincount(label)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    want = rng.poisson(np.maximum(edges_for(size.astype(float)), 0) * 1.15)
    seg = np.repeat(np.arange(len(size)), want)
    cum = np.concatenate([[0.0], np.cumsum(weight[order])])
    lo, hi = start[seg], start[seg] + size[seg]
    return order[segment_draw(rng, cum, lo, hi)], order[segment_draw(rng, cum, lo, hi)]


def _group_pairs(rng: Generator, c: Circles, w: np.ndarray):
    open_kind = c.g_kind[c.gm_group] >= KINDS.index("industry")
    grp = c.gm_group[open_kind]
    cust = c.gm_customer[open_kind]
    # relabel to dense ids so _within's bincount stays small
    _, dense = np.unique(grp, return_inverse=True)
    a, b = _within(rng, dense, w[cust], lambda k: 0.3 * k * (k > 1))
    return cust[a], cust[b]


def _cross(rng: Generator, city: np.ndarray, w: np.ndarray):
    """Preferential-attachment links: a node starts ~w * 0.3 links to mostly ordinary people.

    Drawing both ends by a heavy-tailed weight would pair hubs with hubs over and over (and the
    duplicates collapse), so the far end is drawn by a much flatter weight; most links of
    ordinary people stay in town.
    """
    n = len(w)
    a = np.repeat(np.arange(n), rng.poisson(w * 0.3))
    m = len(a)
    hub_w = w[a]
    w = w**0.3
    cdf = np.cumsum(w)
    b = np.minimum(np.searchsorted(cdf, rng.random(m) * cdf[-1], side="right"), n - 1)
    local = rng.random(m) < 0.6 / (1 + hub_w / 100)  # hubs reach beyond their town
    order = np.argsort(city, kind="stable")
    size = np.bincount(city, minlength=int(city.max()) + 1)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    cum = np.concatenate([[0.0], np.cumsum(w[order])])
    ca = city[a[local]]
    b[local] = order[segment_draw(rng, cum, start[ca], start[ca] + size[ca])]
    return a, b


def _timeline(rng, p: People, window: Window, lo, hi, kind) -> Graph:
    start, end = window.start_n, window.end_n
    m = len(lo)
    both = np.maximum(p.registered[lo], p.registered[hi])
    dormant_lo, dormant_hi = p.dormant[lo], p.dormant[hi]
    first = rng.random(m) < 0.5
    initiator = np.where(first, lo, hi)
    initiator = np.where(p.dormant[initiator], np.where(first, hi, lo), initiator)
    both_dormant = dormant_lo & dormant_hi

    new_pair = both >= start
    added = new_pair | ((rng.random(m) < 0.015) & ~both_dormant)
    since = both + (rng.random(m) ** np.where(kind == 0, 3.0, 1.0) * (start - both)).astype(
        np.int64
    )
    # friends of newcomers are added over the first days after registration
    since[new_pair] = both[new_pair] + rng.geometric(0.3, int(new_pair.sum())) - 1
    old_add = added & ~new_pair
    since[old_add] = start + rng.integers(0, window.days, int(old_add.sum()))
    keep = since <= end
    remove_p = np.array([0.001, 0.004, 0.012, 0.015])[kind]
    removing = (~added) & (~both_dormant) & (rng.random(m) < remove_p)
    removed = np.full(m, NEVER, dtype=np.int64)
    removed[removing] = start + rng.integers(0, window.days, int(removing.sum()))

    lo, hi, kind, since, added, removed, initiator = (
        x[keep] for x in (lo, hi, kind, since, added, removed, initiator)
    )
    src = np.concatenate([lo, hi])
    dst = np.concatenate([hi, lo])
    edge = np.concatenate([np.arange(len(lo)), np.arange(len(lo))])
    order = np.lexsort((dst, src))
    src, dst, edge = src[order], dst[order], edge[order]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=p.n))])
    cum = np.concatenate([[0.0], np.cumsum(TIE_WEIGHT[kind[edge]])])
    return Graph(lo, hi, kind, since, added, removed, initiator, indptr, dst, edge, cum)


def adjacency(g: Graph, n: int) -> sp.csr_matrix:
    """Symmetric tie-weighted adjacency over every friendship that exists at some point."""
    data = TIE_WEIGHT[g.kind[g.edge]]
    return sp.csr_matrix((data, g.nbr, g.indptr), shape=(n, n))


def class_prior(p: People) -> np.ndarray:
    """Per-customer weights over PREF_CLASSES: older/cautious -> deposits, bolder -> funds."""
    age = p.age.astype(float)
    rich = np.log10(p.wealth) - 4.3
    w = np.column_stack(
        [
            1.0 + 0.03 * np.clip(age - 40, 0, None) + 1.2 * (p.risk == 1),
            1.0 + 0.5 * ((p.risk >= 2) & (p.risk <= 3)) + 0.3 * np.clip(rich, 0, None),
            0.3 + 0.35 * (p.risk - 1) + 0.5 * (age < 40),
            0.7 + 0.6 * ((age > 30) & (age < 60)),
            0.35 + 0.3 * (age > 50),
        ]
    )
    return np.clip(w, 0.05, None)


def propagate(
    rng: Generator,
    adj: sp.csr_matrix,
    prior: np.ndarray,
    seed_share: float = 0.06,
    smooth: int = 2,
    noise: float = 0.06,
) -> np.ndarray:
    """Seeded label propagation: a few seeds draw from their prior, labels flood outwards by
    neighbour majority, a couple of majority rounds smooth the borders, then some noise.

    Flooding from sparse seeds (instead of majority voting from everyone's own draw) keeps the
    overall label mix close to the prior, so friends agree far more often than random pairs
    without one label swallowing the graph.
    """
    n, k = prior.shape
    prior = prior / prior.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    labels = np.full(n, -1)
    seeds = rng.random(n) < seed_share
    labels[seeds] = draw_rows(rng, prior[seeds] ** 0.7)

    def votes(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        onehot = sp.csr_matrix((np.ones(int(mask.sum())), (rows[mask], labels[mask])), (n, k))
        v = np.asarray((adj @ onehot).todense())
        return v, v.sum(axis=1)

    for _ in range(40):
        known = labels >= 0
        v, total = votes(known)
        grow = ~known & (total > 0)
        if not grow.any():
            break
        score = v[grow] / total[grow, None] + 0.3 * rng.random((int(grow.sum()), k))
        labels[grow] = score.argmax(axis=1)
    rest = labels < 0  # isolated customers and components without a seed
    labels[rest] = draw_rows(rng, prior[rest])
    for _ in range(smooth):
        v, total = votes(np.ones(n, dtype=bool))
        score = v / np.maximum(total, 1e-9)[:, None] + 0.2 * prior + 0.3 * rng.random((n, k))
        adopt = (total > 0) & (rng.random(n) < 0.5)
        labels = np.where(adopt, score.argmax(axis=1), labels)
    flip = rng.random(n) < noise
    labels[flip] = draw_rows(rng, prior[flip])
    return labels


def preferences(rng: Generator, p: People, c: Circles, g: Graph) -> tuple[np.ndarray, np.ndarray]:
    """Planted preferred product class and article topic per customer."""
    adj = adjacency(g, p.n)
    cp = class_prior(p)
    tp = topic_prior(p)
    pref_class = propagate(rng, adj, cp)
    # interest-group leanings bias the topic prior so group mates start out alike
    tp = tp * (1 + 2.0 * (np.arange(tp.shape[1])[None, :] == c.interest[:, None]))
    pref_topic = propagate(rng, adj, tp)
    return pref_class, pref_topic
