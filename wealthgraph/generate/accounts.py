"""Accounts at the start of the window, product prices, and month-end history snapshots.

Balances are integer cents (exact running sums); fund, wealth and metal holdings are units
valued at a per-product price path, so their balances drift day to day and month to month.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import polars as pl
from numpy.random import Generator

from wealthgraph import landing

from .catalog import CLASS, product_ids
from .common import NEVER, dates, day_number, id_width, ids, money, pick
from .people import ADULT
from .world import World

NAV_CLASSES = np.array([CLASS["wealth"], CLASS["fund"], CLASS["precious_metal"]])
ACTIVE, CLOSED, OVERDUE = (
    landing.ACCOUNT_STATUSES.index(s) for s in ("active", "closed", "overdue")
)
# loan products in catalog order: size as a multiple of monthly income, and how common
LOAN_MULTIPLE = np.array([120.0, 3.0, 20.0, 18.0, 4.0, 8.0])
LOAN_SHARE = np.array([0.35, 0.3, 0.1, 0.1, 0.05, 0.1])


@dataclass
class Prices:
    """Price (NAV) per product per day, 1.0 on the day before the window."""

    first: int
    nav: np.ndarray

    def at(self, products: np.ndarray, day: int) -> np.ndarray:
        """Prices of ``products`` on ``day``."""
        return self.nav[products, day - self.first]


def build_prices(rng: Generator, w: World, first: int) -> Prices:
    """Random-walk prices: wealth products creep up at their yield, funds swing by risk level,
    metals share one gold factor."""
    c = w.catalog
    days = w.window.end_n - first + 1
    k = c.products
    drift = np.where(np.isnan(c.p_yield), 0.0002, np.nan_to_num(c.p_yield) / 36_500)
    drift = np.where(c.p_class == CLASS["fund"], drift * 0.6, drift)
    shocks = rng.normal(0, 1, (k, days))
    gold = rng.normal(0, 1, days)
    metal = c.p_class == CLASS["precious_metal"]
    shocks[metal] = 0.85 * gold + 0.5 * shocks[metal]
    moves = np.where(
        np.isin(c.p_class, NAV_CLASSES)[:, None], drift[:, None] + c.p_vol[:, None] * shocks, 0.0
    )
    log_p = np.cumsum(moves, axis=1)
    anchor = w.window.start_n - 1 - first
    return Prices(first, np.exp(log_p - log_p[:, [anchor]]))


@dataclass
class Accounts:
    """Every account ever open in the data, indexed by creation order (account id = index + 1)."""

    customer: np.ndarray
    product: np.ndarray
    cls: np.ndarray
    opened: np.ndarray
    maturity: np.ndarray  # -1: none
    closed: np.ndarray  # NEVER: open
    overdue: np.ndarray
    overdue_since: np.ndarray
    units: np.ndarray  # NAV classes
    cents: np.ndarray  # everything else (liabilities: the outstanding debt)
    orig: np.ndarray  # loans: amount lent
    due: np.ndarray  # day of month for payments
    revolver: np.ndarray  # card holders who pay only part of the bill

    def __len__(self) -> int:
        return len(self.customer)

    def append(self, **cols) -> np.ndarray:
        """Open accounts; returns their indices."""
        n = len(cols["customer"])
        start = len(self)
        for f in fields(self):
            old = getattr(self, f.name)
            new = np.broadcast_to(np.asarray(cols.get(f.name, _DEFAULTS.get(f.name))), (n,))
            setattr(self, f.name, np.concatenate([old, new.astype(old.dtype)]))
        return np.arange(start, start + n)

    def is_nav(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Whether accounts are valued as units x price."""
        cls = self.cls if idx is None else self.cls[idx]
        return np.isin(cls, NAV_CLASSES)

    def balance(self, idx: np.ndarray, prices: Prices, day: int) -> np.ndarray:
        """Balances in cents on ``day``."""
        nav = np.round(self.units[idx] * prices.at(self.product[idx], day) * 100)
        return np.where(self.is_nav(idx), nav.astype(np.int64), self.cents[idx])


def _empty_accounts() -> Accounts:
    i = np.zeros(0, dtype=np.int64)
    return Accounts(i, i, i, i, i, i, np.zeros(0, bool), i, np.zeros(0), i, i, i, np.zeros(0, bool))


def open_book(rng: Generator, w: World, prices: Prices) -> tuple[Accounts, np.ndarray]:
    """Accounts held the day before the window (plus a few closed during the history months)
    and the current account of every customer (new customers' open on registration)."""
    p, c = w.people, w.catalog
    n = p.n
    s0 = w.window.start_n - 1
    old = ~p.new
    lw = np.log10(p.wealth)
    share = np.clip(0.95 - 0.13 * (lw - 3.5), 0.12, 0.95)
    parts: list[dict] = []

    adult = p.birth + ADULT
    # most app users banked with us before they installed the app, but not before turning 18
    before = np.maximum(p.registered - rng.integers(0, 3000, n), np.minimum(adult, p.registered))
    cur_open = np.where(p.new, p.registered, before)
    cur_cents = np.where(p.new, 0, np.maximum(p.wealth * share * 100, 1000)).astype(np.int64)
    parts.append(
        dict(customer=np.arange(n), product=np.zeros(n, np.int64), opened=cur_open, cents=cur_cents)
    )

    def holders(prob: np.ndarray, cls: str) -> np.ndarray:
        boost = np.where(w.pref_product_class == CLASS[cls], 1.8, 1.0)
        has = old & (rng.random(n) < np.clip(prob * boost, 0, 0.95))
        return np.repeat(np.arange(n), has * (1 + (rng.random(n) < 0.15)))

    age, risk = p.age, p.risk
    owners = [
        holders(np.clip(0.1 + 0.1 * (lw - 4) + 0.004 * (age - 40), 0.02, 0.8), "time_deposit"),
        holders(np.clip(0.07 + 0.1 * (lw - 4), 0.01, 0.6), "wealth"),
        holders(
            np.clip(0.05 + 0.08 * (lw - 4) + 0.04 * (risk - 3), 0.005, 0.5) * (risk >= 2), "fund"
        ),
        holders(0.04 + 0.05 * ((age > 30) & (age < 60)), "insurance"),
        holders(0.02 + 0.02 * (age > 45), "precious_metal"),
    ]
    classes = [CLASS[k] for k in ("time_deposit", "wealth", "fund", "insurance", "precious_metal")]
    cust = np.concatenate(owners)
    cls = np.concatenate([np.full(len(o), k) for o, k in zip(owners, classes, strict=True)])
    prod = _held_products(rng, w, cust, cls, s0)
    ok = prod >= 0
    cust, cls, prod = cust[ok], cls[ok], prod[ok]
    term = c.p_term[prod]
    lo = np.maximum(c.p_from[prod], s0 - np.where(term > 0, term - 1, 1800))
    hi = np.minimum(c.p_to[prod], s0)
    lo = np.minimum(np.maximum(lo, adult[cust]), hi)
    opened = lo + (rng.random(len(prod)) * (hi - lo + 1)).astype(np.int64)
    weight = rng.gamma(1.0, 1.0, len(prod))
    per_customer = np.bincount(cust, weights=weight, minlength=n)
    yuan = (p.wealth * (1 - share))[cust] * weight / per_customer[cust]
    yuan = np.where(cls == CLASS["time_deposit"], np.round(yuan / 100) * 100, np.round(yuan, 2))
    cents = np.maximum((yuan * 100).astype(np.int64), c.p_min[prod])
    nav = np.isin(cls, NAV_CLASSES)
    parts.append(
        dict(
            customer=cust,
            product=prod,
            opened=opened,
            maturity=np.where(term > 0, opened + term, -1),
            cents=np.where(nav, 0, cents),
            units=np.where(nav, cents / 100, 0.0),
            due=_dom(opened),
        )
    )

    parts.append(_loans(rng, w, s0))
    parts.append(_cards(rng, w))
    parts.append(_closed_in_history(rng, w, s0))

    cols = {
        k: np.concatenate(
            [np.asarray(x[k]) if k in x else _fill(k, len(x["customer"])) for x in parts]
        )
        for k in _FIELDS
    }
    cols["cls"] = c.p_class[cols["product"]]
    order = np.lexsort((cols["cls"], cols["opened"], cols["customer"]))
    acc = _empty_accounts()
    acc.append(**{k: v[order] for k, v in cols.items()})
    current = np.flatnonzero(acc.cls == CLASS["current"])
    cur = np.empty(n, dtype=np.int64)
    cur[acc.customer[current]] = current
    return acc, cur


_FIELDS = (
    "customer",
    "product",
    "opened",
    "maturity",
    "closed",
    "overdue",
    "overdue_since",
    "units",
    "cents",
    "orig",
    "due",
    "revolver",
)
_DEFAULTS = {
    "maturity": -1,
    "closed": NEVER,
    "overdue": False,
    "overdue_since": NEVER,
    "units": 0.0,
    "cents": 0,
    "orig": 0,
    "due": 1,
    "revolver": False,
}


def _fill(key: str, n: int) -> np.ndarray:
    return np.full(n, _DEFAULTS[key])


def _dom(days: np.ndarray) -> np.ndarray:
    """Day of month, capped at 28 so monthly schedules exist in every month."""
    d = dates(days).dt.day().to_numpy().astype(np.int64)
    return np.minimum(d, 28)


def _held_products(rng: Generator, w: World, cust, cls, s0: int) -> np.ndarray:
    """A product per holding: right class, within risk tolerance, on sale at some point it
    could have been bought (so term products are still running on ``s0``)."""
    c = w.catalog
    tol = w.people.risk[cust]
    reach = np.where(c.p_term > 0, c.p_term - 1, 1800)
    feasible = (c.p_from <= s0) & (c.p_to >= s0 - reach)
    out = np.full(len(cust), -1, dtype=np.int64)
    for k in np.unique(cls).tolist():
        for r in range(1, 6):
            idx = np.flatnonzero((cls == k) & (tol == r))
            pool = np.flatnonzero(feasible & (c.p_class == k) & (c.p_risk <= r))
            if len(idx) and len(pool):
                out[idx] = pick(rng, pool, len(idx), c.p_pop[pool])
    return out


def _loans(rng: Generator, w: World, s0: int) -> dict:
    p, c = w.people, w.catalog
    n = p.n
    pool = np.flatnonzero(c.p_class == CLASS["loan"])
    age_ok = (p.age >= 23) & (p.age <= 65) & ~p.new
    has = (age_ok & (rng.random(n) < 0.1)) | p.overdue
    cust = np.flatnonzero(has)
    which = pick(rng, np.arange(len(pool)), len(cust), LOAN_SHARE)
    which = np.where(p.overdue[cust] & (which == 0), 1, which)  # arrears: mostly consumer loans
    prod = pool[which]
    term = c.p_term[prod]
    span = np.minimum(term - 30, s0 - c.p_from[prod])
    opened = s0 - (rng.random(len(cust)) * span).astype(np.int64)
    opened = np.minimum(np.maximum(opened, p.birth[cust] + ADULT), s0 - 30)
    orig = p.income[cust] * LOAN_MULTIPLE[which] * rng.uniform(0.6, 1.6, len(cust))
    orig = np.maximum(np.round(orig / 1000) * 1000, c.p_min[prod] / 100)
    left = np.maximum(0.03, 1 - (s0 - opened) / term)
    overdue = p.overdue[cust]
    return dict(
        customer=cust,
        product=prod,
        opened=opened,
        maturity=opened + term,
        cents=(orig * left * 100).astype(np.int64),
        orig=(orig * 100).astype(np.int64),
        overdue=overdue,
        overdue_since=np.where(
            overdue, _since(p, cust, s0 - rng.integers(20, 200, len(cust))), NEVER
        ),
        due=_dom(opened),
    )


def _since(p, cust: np.ndarray, drawn: np.ndarray) -> np.ndarray:
    """The day arrears began: planted (fraud.plant_overdue) where set, else the draw."""
    planted = p.overdue_from[cust]
    return np.where(planted < NEVER, planted, drawn)


def _cards(rng: Generator, w: World) -> dict:
    p, c = w.people, w.catalog
    n = p.n
    pool = np.flatnonzero(c.p_class == CLASS["credit_card"])
    has = ~p.new & (p.age < 66) & ((p.credit <= 4) | p.overdue) & (rng.random(n) < 0.2)
    cust = np.flatnonzero(has)
    prod = pick(rng, pool, len(cust), c.p_pop[pool])
    s0 = w.window.start_n - 1
    opened = s0 - rng.integers(30, 3000, len(cust))
    opened = np.minimum(np.maximum(opened, p.birth[cust] + ADULT), s0 - 30)
    debt = p.income[cust] * rng.uniform(0.05, 1.2, len(cust)) * 100
    overdue = p.overdue[cust] & (rng.random(len(cust)) < 0.5)
    return dict(
        customer=cust,
        product=prod,
        opened=opened,
        cents=debt.astype(np.int64),
        overdue=overdue,
        overdue_since=np.where(
            overdue, _since(p, cust, s0 - rng.integers(20, 150, len(cust))), NEVER
        ),
        due=rng.integers(1, 29, len(cust)),
        revolver=rng.random(len(cust)) < 0.25,
    )


def _closed_in_history(rng: Generator, w: World, s0: int) -> dict:
    """Short deposits that ran and closed during the history months."""
    p, c = w.people, w.catalog
    history = w.window.history()
    if not history:
        return {
            "customer": np.zeros(0, np.int64),
            "product": np.zeros(0, np.int64),
            "opened": np.zeros(0, np.int64),
        }
    h0 = day_number(history[0])
    short = np.flatnonzero(
        (c.p_class == CLASS["time_deposit"])
        & (c.p_term > 0)
        & (c.p_term <= 180)
        & (c.p_min <= 5000)
    )
    cust = np.flatnonzero(~p.new & (p.registered < h0) & (rng.random(p.n) < 0.07))
    prod = short[rng.integers(0, len(short), len(cust))]
    term = c.p_term[prod]
    room = np.maximum(s0 - h0 - term - 1, 1)
    opened = h0 - 20 + (rng.random(len(cust)) * room).astype(np.int64)
    cents = np.maximum(np.round(p.wealth[cust] * 0.1 / 100) * 10_000, c.p_min[prod])
    return dict(
        customer=cust,
        product=prod,
        opened=opened,
        maturity=opened + term,
        closed=opened + term,
        cents=cents.astype(np.int64),
    )


def status_on(acc: Accounts, idx: np.ndarray, day: int) -> np.ndarray:
    """Status codes on ``day``: closed once closed, overdue once in arrears."""
    closed = acc.closed[idx] <= day
    late = acc.overdue[idx] & (acc.overdue_since[idx] <= day)
    return np.where(closed, CLOSED, np.where(late, OVERDUE, ACTIVE))


def history_snapshots(rng: Generator, w: World, acc: Accounts, prices: Prices):
    """Yield (date, frame) for each month-end before the window, newest first."""
    s0 = w.window.start_n - 1
    history = [day_number(d) for d in w.window.history()]
    walk = np.zeros(len(acc))
    card_walk = np.zeros(len(acc))
    later = s0
    for k in range(len(history) - 1, -1, -1):
        t = history[k]
        prev = history[k - 1] if k > 0 else -(10**9)
        gap = (later - t) / 30.4
        walk += rng.normal(0, 0.15 * np.sqrt(gap), len(acc))
        card_walk = rng.normal(0, 0.35, len(acc))
        later = t
        back = (s0 - t) / 30.4
        idx = np.flatnonzero(
            (acc.opened <= t) & ((acc.closed > t) | ((acc.closed <= t) & (acc.closed > prev)))
        )
        cls = acc.cls[idx]
        bal = acc.balance(idx, prices, t).astype(float)
        bal = np.where(cls == CLASS["current"], np.maximum(bal * np.exp(walk[idx]), 1000), bal)
        bal = np.where(cls == CLASS["insurance"], bal * max(0.5, 1 - 0.004 * back), bal)
        months = np.maximum(w.catalog.p_term[acc.product[idx]] / 30.4, 1)
        loan = np.minimum(acc.orig[idx], bal + acc.orig[idx] / months * back)
        bal = np.where(cls == CLASS["loan"], loan, bal)
        bal = np.where(cls == CLASS["credit_card"], bal * np.exp(card_walk[idx]), bal)
        status = status_on(acc, idx, t)
        bal = np.where(status == CLOSED, 0, np.maximum(np.round(bal), 1)).astype(np.int64)
        yield t, snapshot_frame(w, acc, idx, bal, status, t)


def snapshot_frame(
    w: World, acc: Accounts, idx: np.ndarray, cents: np.ndarray, status: np.ndarray, day: int
) -> pl.DataFrame:
    """Snapshot rows for accounts ``idx``, ordered by customer then account."""
    order = np.lexsort((idx, acc.customer[idx]))
    idx, cents, status = idx[order], cents[order], status[order]
    mat = acc.maturity[idx]
    return pl.DataFrame(
        {
            "as_of": dates(np.full(len(idx), day)),
            "customer_id": ids("C", acc.customer[idx], id_width(7, w.people.n)),
            "account_id": account_ids(idx),
            "product_id": product_ids(acc.product[idx], w.catalog.products),
            "balance": money(cents),
            "currency": pl.Series(["CNY"]).gather(np.zeros(len(idx), dtype=np.int64)),
            "status": pl.Series(landing.ACCOUNT_STATUSES).gather(status),
            "opened_at": dates(acc.opened[idx]),
            "maturity_date": dates(mat, mat >= 0),
        }
    )


def account_ids(idx: np.ndarray) -> pl.Series:
    """``AC00000001``-style ids."""
    return ids("AC", idx, 8)
