"""Everything the daily simulation reads, with the lookups it needs (vectorised per query batch)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.random import Generator

from wealthgraph import landing

from .catalog import CLASS, Catalog
from .circles import Circles
from .common import DAY_S, Window, pick
from .graph import PREF_CLASSES, Graph
from .people import People
from .vocab import TOPICS

# weekday (Mon=0) activity multipliers and hour-of-day profiles: morning and evening peaks
DOW_SESSIONS = np.array([1.0, 0.97, 0.97, 1.0, 1.05, 1.15, 1.1])
HOURS_WEEKDAY = np.array(
    [
        0.5,
        0.25,
        0.12,
        0.08,
        0.08,
        0.25,
        0.9,
        2.4,
        4.0,
        4.4,
        3.8,
        3.6,
        4.6,
        4.0,
        3.2,
        3.3,
        3.5,
        3.8,
        4.3,
        5.2,
        6.0,
        5.8,
        4.2,
        1.8,
    ]
)
HOURS_WEEKEND = np.array(
    [
        0.9,
        0.5,
        0.25,
        0.12,
        0.08,
        0.12,
        0.35,
        0.9,
        2.2,
        3.6,
        4.4,
        4.6,
        4.8,
        4.2,
        4.0,
        4.0,
        4.0,
        4.1,
        4.5,
        5.2,
        5.8,
        5.6,
        4.4,
        2.4,
    ]
)
WORK_HOURS = np.array([0] * 9 + [3, 4, 4, 1.5, 2, 4, 4, 3.5, 2.5] + [0] * 6, dtype=float)
VIEW_CLASS_MIX = np.array([0.0, 0.12, 0.3, 0.3, 0.1, 0.08, 0.05, 0.05])
PREF_PRODUCT_CLASS = np.array([CLASS[c] for c in PREF_CLASSES])
SCENARIO_MIX = np.array([0.2, 0.07, 0.1, 0.2, 0.23, 0.15, 0.05])
SCENARIO_MEDIAN = np.array([150.0, 800.0, 200.0, 18.0, 65.0, 160.0, 90.0])


@dataclass
class World:
    """The synthetic bank as of the window start plus planted preferences."""

    window: Window
    people: People
    circles: Circles
    graph: Graph
    catalog: Catalog
    pref_class: np.ndarray  # index into PREF_CLASSES
    pref_topic: np.ndarray  # index into vocab.TOPICS
    pref_product_class: np.ndarray = field(init=False)
    gm_indptr: np.ndarray = field(init=False)
    gm_order: np.ndarray = field(init=False)
    city_order: np.ndarray = field(init=False)
    city_start: np.ndarray = field(init=False)
    city_size: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        p, c = self.people, self.circles
        self.pref_product_class = PREF_PRODUCT_CLASS[self.pref_class]
        self.gm_order = np.lexsort((c.gm_group, c.gm_customer))
        counts = np.bincount(c.gm_customer, minlength=p.n)
        self.gm_indptr = np.concatenate([[0], np.cumsum(counts)])
        self.city_order = np.argsort(p.city, kind="stable")
        self.city_size = np.bincount(p.city, minlength=int(p.city.max()) + 1)
        self.city_start = np.concatenate([[0], np.cumsum(self.city_size)[:-1]])

    # --- time -----------------------------------------------------------------------------
    @staticmethod
    def weekend(day: int) -> bool:
        """Saturday or Sunday (day numbers count from Thursday 1970-01-01)."""
        return (day + 3) % 7 >= 5

    @staticmethod
    def dow(day: int) -> int:
        """Monday = 0."""
        return (day + 3) % 7

    def clock(self, rng: Generator, n: int, day: int, profile: np.ndarray | None = None):
        """Seconds since the epoch for ``n`` moments on ``day`` following an hour profile."""
        if profile is None:
            profile = HOURS_WEEKEND if self.weekend(day) else HOURS_WEEKDAY
        hour = pick(rng, np.arange(24), n, profile)
        return day * DAY_S + hour * 3600 + rng.integers(0, 3600, n)

    def clock_on(self, rng: Generator, days: np.ndarray) -> np.ndarray:
        """Like :meth:`clock` for one moment on each of many days (weekday/weekend profiles)."""
        days = np.asarray(days, dtype=np.int64)
        weekend = (days + 3) % 7 >= 5
        hour = np.where(
            weekend,
            pick(rng, np.arange(24), len(days), HOURS_WEEKEND),
            pick(rng, np.arange(24), len(days), HOURS_WEEKDAY),
        )
        return days * DAY_S + hour * 3600 + rng.integers(0, 3600, len(days))

    # --- who can do what --------------------------------------------------------------------
    def active(self, day: int) -> np.ndarray:
        """Customers who use the app on ``day`` (registered, not dormant)."""
        p = self.people
        return (p.registered <= day) & ~p.dormant

    def assessment_valid(self, users: np.ndarray, day: int) -> np.ndarray:
        """Risk assessment present and at most a year old."""
        a = self.people.assessed[users]
        return (a >= 0) & (a > day - 365) & (a <= day)

    def can_buy(self, users: np.ndarray, products: np.ndarray, day: int) -> np.ndarray:
        """Suitability: on sale, risk within tolerance, fresh assessment for R2+, credit OK."""
        p, c = self.people, self.catalog
        risk = c.p_risk[products]
        cls = c.p_class[products]
        ok = c.on_sale(day)[products]
        ok &= (cls != CLASS["current"]) & (cls != CLASS["credit_card"])
        ok &= (risk <= p.risk[users]) & ((risk <= 1) | self.assessment_valid(users, day))
        loan = cls == CLASS["loan"]
        ok &= ~loan | ((p.credit[users] <= 4) & ~p.overdue[users] & (c.p_term[products] <= 1095))
        ok &= c.p_min[products] <= np.maximum(p.wealth[users] * 120, 100_000)
        return ok

    # --- targets ----------------------------------------------------------------------------
    def random_group(self, rng: Generator, users: np.ndarray, day: int) -> np.ndarray:
        """A group the user belongs to all day; -1 if none."""
        c = self.circles
        lo, hi = self.gm_indptr[users], self.gm_indptr[users + 1]
        out = np.full(len(users), -1, dtype=np.int64)
        has = hi > lo
        pos = lo[has] + (rng.random(int(has.sum())) * (hi - lo)[has]).astype(np.int64)
        m = self.gm_order[pos]
        ok = (c.gm_joined[m] < day) & (c.gm_left[m] > day)
        out[np.flatnonzero(has)[ok]] = c.gm_group[m[ok]]
        return out

    def random_local(self, rng: Generator, users: np.ndarray, day: int) -> np.ndarray:
        """A registered customer from the user's city other than the user; -1 if the draw fails."""
        city = self.people.city[users]
        pos = self.city_start[city] + (rng.random(len(users)) * self.city_size[city]).astype(
            np.int64
        )
        other = self.city_order[pos]
        ok = (other != users) & (self.people.registered[other] <= day)
        return np.where(ok, other, -1)

    def articles(self, rng: Generator, users: np.ndarray, day: int, bias: float = 0.6):
        """Articles to read: the preferred topic with probability ``bias``, recent ones favoured."""
        c = self.catalog
        n = len(users)
        age = day - c.a_published
        w = np.where(age >= 0, c.a_pop * (0.15 + np.exp(-np.maximum(age, 0) / 15)), 0.0)
        by_topic = np.bincount(c.a_topic, weights=w, minlength=len(TOPICS))
        topic = np.where(
            rng.random(n) < bias,
            self.pref_topic[users],
            pick(rng, np.arange(len(by_topic)), n, by_topic + 1e-12),
        )
        out = np.empty(n, dtype=np.int64)
        for t in np.unique(topic).tolist():
            idx = np.flatnonzero(topic == t)
            pool = np.flatnonzero((w > 0) & (c.a_topic == t))
            if len(pool) == 0:
                pool = np.flatnonzero(w > 0)
            out[idx] = pick(rng, pool, len(idx), w[pool])
        return out

    def products(self, rng: Generator, users: np.ndarray, day: int, bias: float = 0.5):
        """Products to look at: the preferred class with probability ``bias``."""
        c = self.catalog
        n = len(users)
        cls = np.where(
            rng.random(n) < bias,
            self.pref_product_class[users],
            pick(rng, np.arange(len(VIEW_CLASS_MIX)), n, VIEW_CLASS_MIX),
        )
        visible = c.on_sale(day) | ((c.p_from <= day + 30) & (c.p_to >= day))
        out = np.empty(n, dtype=np.int64)
        for k in np.unique(cls).tolist():
            idx = np.flatnonzero(cls == k)
            pool = np.flatnonzero(visible & (c.p_class == k))
            if len(pool) == 0:
                pool = np.flatnonzero(c.p_class == k)
            out[idx] = pick(rng, pool, len(idx), c.p_pop[pool])
        return out

    def suitable_product(
        self, rng: Generator, users: np.ndarray, classes: np.ndarray, day: int
    ) -> np.ndarray:
        """A product of the given class each user may buy on ``day``; -1 if none."""
        c = self.catalog
        out = np.full(len(users), -1, dtype=np.int64)
        sale = c.on_sale(day)
        for k in np.unique(classes).tolist():
            idx = np.flatnonzero(classes == k)
            pool = np.flatnonzero(sale & (c.p_class == k))
            if len(pool) == 0:
                continue
            cand = pick(rng, pool, len(idx), c.p_pop[pool])
            ok = self.can_buy(users[idx], cand, day)
            out[idx[ok]] = cand[ok]
        return out

    def buy_amount(self, rng: Generator, users: np.ndarray, products: np.ndarray) -> np.ndarray:
        """Purchase size in cents, scaled by wealth or income, rounded like people round."""
        p, c = self.people, self.catalog
        n = len(users)
        cls = c.p_class[products]
        wealth = p.wealth[users]
        income = p.income[users]
        yuan = np.maximum(wealth * rng.beta(1.3, 7, n), income * rng.uniform(0.2, 0.8, n))
        yuan = np.where(cls == CLASS["insurance"], income * rng.uniform(1, 8, n), yuan)
        yuan = np.where(cls == CLASS["loan"], income * rng.uniform(1, 8, n), yuan)
        grams = rng.integers(1, 30, n)
        yuan = np.where(cls == CLASS["precious_metal"], grams * 560.0, yuan)
        step = np.where(yuan >= 10_000, 1000, 100)
        yuan = np.where(cls == CLASS["precious_metal"], yuan, np.round(yuan / step) * step)
        return np.maximum((yuan * 100).astype(np.int64), c.p_min[products])

    def scenario(self, rng: Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Scenario category and amount (cents) of bill payments."""
        cat = pick(rng, np.arange(len(landing.SCENARIOS)), n, SCENARIO_MIX)
        yuan = SCENARIO_MEDIAN[cat] * rng.lognormal(0, 0.6, n)
        return cat, np.maximum(np.round(yuan * 100), 100).astype(np.int64)
