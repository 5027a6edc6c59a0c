"""Social circles: families, workplace circles (the planted communities) and chat groups.

Workplace circles are cut from customers of one city ordered by industry, so most circles are
single-industry; families are cut from the same order with a little jitter so most families
sit inside one circle and the friend graph has recoverable community structure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.random import Generator

from .common import NEVER, Window, chunk_by_sizes, dates, id_width, ids
from .people import People
from .vocab import CITIES, INDUSTRY_LABELS, INDUSTRY_NAMES, SURNAMES, TOPIC_LABELS, TOPICS

KINDS = ("family", "colleague", "industry", "interest")
PAYDAYS = (5, 10, 15, 20, 25, 28)


@dataclass
class Circles:
    """Circle membership per customer plus chat groups and their members."""

    family: np.ndarray
    circle: np.ndarray
    payday: np.ndarray  # salary day of month, shared inside a workplace
    interest: np.ndarray  # initial topic leaning (seeds preference propagation)
    g_kind: np.ndarray
    g_topic: pl.Series  # topic or industry of industry/interest groups, null otherwise
    g_owner: np.ndarray
    g_created: np.ndarray
    g_name: pl.Series
    gm_group: np.ndarray
    gm_customer: np.ndarray
    gm_joined: np.ndarray
    gm_left: np.ndarray  # window day a member leaves, NEVER if they stay

    @property
    def groups(self) -> int:
        """Number of chat groups."""
        return len(self.g_kind)


def topic_prior(p: People) -> np.ndarray:
    """Per-customer topic weights (rows follow TOPICS) from age, income and industry."""
    age = p.age[:, None].astype(float)
    w = np.ones((p.n, len(TOPICS)))
    bump = {
        "funds": 1.4 + 0 * age,
        "stocks": np.where(age < 45, 1.6, 0.8),
        "insurance": np.where((age > 30) & (age < 60), 1.5, 0.9),
        "retirement": np.clip((age - 35) / 12, 0.2, 3.0),
        "gold": np.where(age > 50, 1.6, 0.7),
        "real_estate": np.where((age > 27) & (age < 48), 1.5, 0.6),
        "education": np.where((age > 30) & (age < 50), 1.5, 0.4),
        "tax": np.where(p.income[:, None] > 12_000, 1.6, 0.6),
        "credit": np.where(age < 40, 1.3, 0.6),
        "consumer_finance": np.where(age < 35, 1.5, 0.5),
        "macro": np.where(p.wealth[:, None] > 200_000, 1.6, 0.7),
        "crypto_risk": np.where(age < 35, 0.9, 0.25),
    }
    for k, name in enumerate(TOPICS):
        w[:, k] = bump[name][:, 0]
    return w


def draw_rows(rng: Generator, weights: np.ndarray) -> np.ndarray:
    """One categorical draw per row of an (n, k) weight matrix."""
    cdf = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cdf[:, -1]
    return (u[:, None] > cdf).sum(axis=1)


def build_circles(rng: Generator, p: People, window: Window) -> Circles:
    """Families, workplace circles, groups and memberships (joins/leaves inside the window)."""
    n = p.n
    # workplace circles: city -> industry -> random, cut into 5-50 person chunks per city
    order = np.lexsort((rng.random(n), p.industry, p.city))
    city_sorted = p.city[order]
    starts = np.searchsorted(city_sorted, np.arange(len(CITIES)))
    lens = np.bincount(city_sorted, minlength=len(CITIES))

    def circle_sizes(r: Generator, k: int) -> np.ndarray:
        return np.clip(r.lognormal(np.log(14), 0.6, k), 5, 50).astype(np.int64)

    circle = np.empty(n, dtype=np.int64)
    circle[order] = chunk_by_sizes(rng, starts, lens, circle_sizes)

    # families: same city, mostly inside one circle (jitter lets a few span two circles)
    jitter = circle + rng.normal(0, 0.6, n)
    f_order = np.lexsort((jitter, p.city))

    def family_sizes(r: Generator, k: int) -> np.ndarray:
        return r.choice([2, 3, 4, 5, 6], k, p=[0.3, 0.3, 0.22, 0.12, 0.06])

    family = np.empty(n, dtype=np.int64)
    family[f_order] = chunk_by_sizes(rng, starts, lens, family_sizes)

    n_circle = int(circle.max()) + 1
    payday = np.asarray(PAYDAYS)[rng.integers(0, len(PAYDAYS), n_circle)][circle]
    interest = draw_rows(rng, topic_prior(p) ** 1.5)

    g = _GroupBuilder(rng, p, window)
    g.family_groups(family)
    g.colleague_groups(circle)
    g.keyed_groups("industry", p.industry, join=0.22, per_group=120)
    g.keyed_groups("interest", interest, join=0.35, per_group=80, extra=0.1)
    return g.finish(family, circle, payday, interest)


class _GroupBuilder:
    """Accumulates groups and memberships, then times joins and leaves against the window."""

    def __init__(self, rng: Generator, p: People, window: Window) -> None:
        self.rng = rng
        self.p = p
        self.window = window
        self.kind: list[np.ndarray] = []
        self.topic: list[pl.Series] = []
        self.name: list[pl.Series] = []
        self.city: list[np.ndarray] = []
        self.members: list[tuple[np.ndarray, np.ndarray]] = []
        self.count = 0

    def _add(self, kind: str, city, name: pl.Series, topic: pl.Series, g, c) -> None:
        k = len(city)
        self.kind.append(np.full(k, KINDS.index(kind)))
        self.city.append(np.asarray(city))
        self.name.append(name)
        self.topic.append(topic)
        self.members.append((np.asarray(g) + self.count, np.asarray(c)))
        self.count += k

    def family_groups(self, family: np.ndarray) -> None:
        rng, p = self.rng, self.p
        size = np.bincount(family)
        chat = rng.random(len(size)) < np.where(size >= 3, 0.7, 0.3)
        gid = np.cumsum(chat) - 1
        member = chat[family]
        cust = np.flatnonzero(member)
        fam = family[cust]
        heads = cust[np.unique(fam, return_index=True)[1]]  # first member names the group
        sur = pl.Series(SURNAMES).gather(p.surname[heads])
        self._add(
            "family",
            p.city[heads],
            pl.select(sur + "家亲友群").to_series(),
            pl.Series([None] * len(heads), dtype=pl.String),
            gid[fam],
            cust,
        )

    def colleague_groups(self, circle: np.ndarray) -> None:
        rng, p = self.rng, self.p
        n_circle = int(circle.max()) + 1
        chat = rng.random(n_circle) < 0.6
        gid = np.cumsum(chat) - 1
        cust = np.flatnonzero(chat[circle] & (rng.random(p.n) < 0.8))
        heads = np.unique(circle, return_index=True)[1][chat]
        label = pl.Series([INDUSTRY_LABELS[x] for x in INDUSTRY_NAMES]).gather(p.industry[heads])
        city = pl.Series([c[0] for c in CITIES]).gather(p.city[heads])
        num = pl.Series(np.arange(len(heads)) % 97 + 1).cast(pl.String)
        name = pl.select(city + label + "同事群" + num).to_series()
        self._add(
            "colleague",
            p.city[heads],
            name,
            pl.Series([None] * len(heads), dtype=pl.String),
            gid[circle[cust]],
            cust,
        )

    def keyed_groups(
        self, kind: str, key: np.ndarray, join: float, per_group: int, extra: float = 0.0
    ) -> None:
        """Groups per (city, key); customers join one of their own key, some one more at random."""
        rng, p = self.rng, self.p
        n_key = int(key.max()) + 1
        cell = p.city * n_key + key
        n_cell = len(CITIES) * n_key
        expected = np.bincount(cell, minlength=n_cell) * (join + extra / n_key)
        count = np.where(expected >= 3, np.maximum(1, np.round(expected / per_group)), 0)
        count = count.astype(np.int64)
        offset = np.concatenate([[0], np.cumsum(count)[:-1]])
        picks_c, picks_g = [], []
        for want, own in ((join, True), (extra, False)):
            if want <= 0:
                continue
            who = np.flatnonzero(rng.random(p.n) < want)
            k = key[who] if own else rng.integers(0, n_key, len(who))
            c = p.city[who] * n_key + k
            ok = count[c] > 0
            who, c = who[ok], c[ok]
            picks_c.append(who)
            picks_g.append(offset[c] + (rng.random(len(c)) * count[c]).astype(np.int64))
        cust = np.concatenate(picks_c)
        grp = np.concatenate(picks_g)
        keep = np.unique(grp * p.n + cust, return_index=True)[1]
        cust, grp = cust[keep], grp[keep]
        cells = np.repeat(np.arange(n_cell), count)
        g_city = cells // n_key
        g_key = cells % n_key
        labels = INDUSTRY_NAMES if kind == "industry" else TOPICS
        nice = [INDUSTRY_LABELS[x] for x in INDUSTRY_NAMES] if kind == "industry" else TOPIC_LABELS
        city = pl.Series([c[0] for c in CITIES]).gather(g_city)
        num = pl.Series(np.arange(len(cells)) - offset[cells] + 1).cast(pl.String)
        suffix = "交流群" if kind == "industry" else "爱好者"
        name = pl.select(city + pl.Series(list(nice)).gather(g_key) + suffix + num).to_series()
        self._add(kind, g_city, name, pl.Series(list(labels)).gather(g_key), grp, cust)

    def finish(self, family, circle, payday, interest) -> Circles:
        rng, p, w = self.rng, self.p, self.window
        start, end = w.start_n, w.end_n
        kind = np.concatenate(self.kind)
        g_city = np.concatenate(self.city)
        ng = len(kind)
        gm_group = np.concatenate([m[0] for m in self.members])
        gm_cust = np.concatenate([m[1] for m in self.members])
        order = np.lexsort((gm_cust, gm_group))
        gm_group, gm_cust = gm_group[order], gm_cust[order]

        # managers run some industry/interest groups in their city; a few start in the window
        managed = (kind >= KINDS.index("industry")) & (rng.random(ng) < 0.4)
        owner = np.full(ng, -1)
        m_city = p.b_city[p.m_branch]
        act = np.flatnonzero(p.m_active)
        for gi in np.flatnonzero(managed).tolist():
            pool = act[m_city[act] == g_city[gi]]
            owner[gi] = pool[rng.integers(0, len(pool))] if len(pool) else -1
        created = start - rng.integers(30, 1500, ng)
        fresh = managed & (rng.random(ng) < 0.04)
        created[fresh] = start + rng.integers(0, w.days, int(fresh.sum()))

        reg = p.registered[gm_cust]
        base = np.maximum(created[gm_group], reg)
        in_window = base >= start
        joined = np.where(
            in_window,
            base + rng.geometric(0.35, len(base)) - 1,
            base + (rng.random(len(base)) * (start - base)).astype(np.int64),
        )
        # a few existing members join during the window rather than before it
        late = (~in_window) & (rng.random(len(base)) < 0.012)
        joined[late] = start + rng.integers(0, w.days, int(late.sum()))
        dormant = p.dormant[gm_cust]
        joined[late & dormant] = start - 1
        keep = (joined <= end) & ~(in_window & dormant)
        joined = np.minimum(joined, np.where(in_window | late, end, start - 1))
        leave_p = np.where(kind[gm_group] >= KINDS.index("industry"), 0.02, 0.004)
        leaving = (joined < start) & ~dormant & (rng.random(len(base)) < leave_p)
        left = np.full(len(base), NEVER, dtype=np.int64)
        left[leaving] = start + rng.integers(0, w.days, int(leaving.sum()))

        return Circles(
            family=family,
            circle=circle,
            payday=payday,
            interest=interest,
            g_kind=kind,
            g_topic=pl.concat(self.topic),
            g_owner=owner,
            g_created=created,
            g_name=pl.concat(self.name),
            gm_group=gm_group[keep],
            gm_customer=gm_cust[keep],
            gm_joined=joined[keep],
            gm_left=left[keep],
        )


def group_width(c: Circles) -> int:
    """Digits in group ids (5, more for very large populations)."""
    return id_width(5, c.groups)


def groups_frame(c: Circles, n_managers: int) -> pl.DataFrame:
    """Reference rows for ``groups``."""
    return pl.DataFrame(
        {
            "group_id": ids("G", np.arange(c.groups), group_width(c)),
            "name": c.g_name,
            "kind": pl.Series(KINDS).gather(c.g_kind),
            "topic": c.g_topic,
            "owner_manager_id": ids("M", c.g_owner, id_width(4, n_managers)),
            "created_at": dates(c.g_created),
        }
    )


def group_members_frame(c: Circles, n_customers: int, window: Window) -> pl.DataFrame:
    """Membership at the start of the window: joined before it (leavers still listed)."""
    m = c.gm_joined < window.start_n
    return pl.DataFrame(
        {
            "group_id": ids("G", c.gm_group[m], group_width(c)),
            "customer_id": ids("C", c.gm_customer[m], id_width(7, n_customers)),
            "joined_at": dates(c.gm_joined[m]),
        }
    )
