"""The daily ledger: current-account transactions with exact running balances, holdings changed
by purchases, redemptions, maturities and repayments, and the end-of-day snapshot.

Money moves the events describe (transfers, red packets, AA bills, scenario payments, product
purchases and redemptions) are booked on both sides; the bank adds payroll, pensions, bills,
card spending, cash and interest. When a day's debits would overdraw an account, the customer
first moves money in from another bank (a ``transfer`` credit), which keeps balances positive.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from numpy.random import Generator

from wealthgraph import landing

from .accounts import CLOSED, Accounts, Prices, account_ids, snapshot_frame, status_on
from .catalog import CLASS
from .common import DAY_S, NEVER, ids, money, stream, timestamps, to_date
from .events import Events
from .people import People
from .vocab import INDUSTRY_NAMES, RETIRED, STUDENT
from .world import HOURS_WEEKDAY, World

CAT = {name: i for i, name in enumerate(landing.TRANSACTION_CATEGORIES)}
# scenario (landing.SCENARIOS order) -> transaction category
SCENARIO_CAT = np.array(
    [
        CAT[c]
        for c in (
            "household",
            "household",
            "household",
            "card_spend",
            "card_spend",
            "card_spend",
            "household",
        )
    ]
)
FLOOR = 1000  # cents: lowest balance a customer lets the current account reach


@dataclass
class _Book:
    """Transactions of one day before ordering: parallel lists of arrays."""

    parts: list[tuple] = field(default_factory=list)

    def add(self, ts, cust, credit, cents, cat) -> None:
        n = len(cust)
        if n == 0:
            return
        self.parts.append(
            (
                np.asarray(ts, np.int64),
                np.asarray(cust, np.int64),
                np.broadcast_to(np.asarray(credit, bool), (n,)),
                np.asarray(cents, np.int64),
                np.broadcast_to(np.asarray(cat, np.int64), (n,)),
            )
        )

    def arrays(self):
        if not self.parts:
            z = np.zeros(0, np.int64)
            return z, z, z.astype(bool), z, z
        return tuple(np.concatenate([p[k] for p in self.parts]) for k in range(5))


class Ledger:
    """Holds account state between days."""

    def __init__(self, w: World, acc: Accounts, cur: np.ndarray, prices: Prices, seed: int):
        self.w, self.acc, self.cur, self.prices, self.seed = w, acc, cur, prices, seed
        p: People = w.people
        rng = stream(seed, "ledger")
        self.bill_dom = rng.integers(1, 29, p.n)
        self.spend_rate = 0.06 * rng.lognormal(0, 0.6, p.n) * np.where(p.age > 70, 0.5, 1.0)
        self.cash_rate = np.where(p.age > 55, 0.025, 0.01)
        self.retired = p.industry == INDUSTRY_NAMES.index(RETIRED)
        self.student = p.industry == INDUSTRY_NAMES.index(STUDENT)
        self.next_txn = 0

    def day(self, i: int, events: Events) -> tuple[Events, pl.DataFrame, pl.DataFrame]:
        """Book window day ``i``: returns events (redemptions resolved), transactions, snapshot."""
        rng = stream(self.seed, f"ledger-{i}")
        day = self.w.window.start_n + i
        events, redeems = self._resolve_redeems(rng, events, day)
        book = _Book()
        self._scheduled(rng, book, day)
        self._maturities(rng, book, day)
        self._from_events(book, events)
        txns = self._post(rng, book, day)
        self._holdings(events, redeems, day)
        self._accrue(rng, day)
        return events, txns, self._snapshot(day)

    # --- events -------------------------------------------------------------------------------
    def _resolve_redeems(self, rng: Generator, e: Events, day: int):
        """Pick the holding and amount of each redemption; drop those with nothing to redeem."""
        acc, m = self.acc, np.flatnonzero(e.of("product_redeem"))
        none = (np.zeros(0, np.int64),) * 2
        if len(m) == 0:
            return e, none
        term = self.w.catalog.p_term[acc.product]
        held = np.flatnonzero(
            (acc.closed == NEVER) & (acc.opened < day) & acc.is_nav() & (term < 0)
        )
        held = held[np.argsort(acc.customer[held], kind="stable")]
        owner = acc.customer[held]
        lo = np.searchsorted(owner, e.user[m], "left")
        hi = np.searchsorted(owner, e.user[m], "right")
        pos = lo + (rng.random(len(m)) * (hi - lo)).astype(np.int64)
        chosen = np.where(hi > lo, held[np.minimum(pos, len(held) - 1)], -1)
        ok = chosen >= 0
        _, first = np.unique(np.where(ok, chosen, -1 - np.arange(len(m))), return_index=True)
        once = np.zeros(len(m), bool)
        once[first] = True
        ok &= once  # one redemption per holding per day
        value = np.zeros(len(m), np.int64)
        value[ok] = acc.balance(chosen[ok], self.prices, day)
        ok &= value >= 100
        part = np.round(value * rng.uniform(0.2, 0.9, len(m)) / 10_000) * 10_000
        full = (rng.random(len(m)) < 0.35) | (value < 20_000) | (part >= value) | (part <= 0)
        amount = np.where(full, value, part).astype(np.int64)
        e.target[m[ok]] = acc.product[chosen[ok]]
        e.amount[m[ok]] = amount[ok]
        keep = np.ones(len(e), bool)
        keep[m[~ok]] = False
        return e.take(keep), (chosen[ok], amount[ok])

    def _from_events(self, book: _Book, e: Events) -> None:
        c = self.w.catalog
        for name in ("transfer", "red_packet", "aa_bill"):
            m = e.of(name)
            book.add(e.ts[m], e.user[m], False, e.amount[m], CAT["transfer"])
            book.add(e.ts[m], e.target[m], True, e.amount[m], CAT["transfer"])
        m = e.of("scenario_payment")
        book.add(e.ts[m], e.user[m], False, e.amount[m], SCENARIO_CAT[e.category[m]])
        m = e.of("product_buy")
        cls = c.p_class[e.target[m]]
        loan = cls == CLASS["loan"]
        cat = np.where(cls == CLASS["insurance"], CAT["insurance"], CAT["other"])
        book.add(e.ts[m], e.user[m], loan, e.amount[m], cat)
        m = e.of("product_redeem")
        book.add(e.ts[m], e.user[m], True, e.amount[m], CAT["other"])

    # --- bank side ----------------------------------------------------------------------------
    def _scheduled(self, rng: Generator, book: _Book, day: int) -> None:
        w, p, acc = self.w, self.w.people, self.acc
        date = to_date(day)
        dom = date.day
        last = calendar.monthrange(date.year, date.month)[1]
        base = day * DAY_S
        has_cur = acc.opened[self.cur] <= day

        fresh = np.flatnonzero(p.registered == day)
        opening = np.round(p.income[fresh] * rng.uniform(0.3, 2.0, len(fresh)) / 100) * 10_000
        book.add(
            base + rng.integers(8 * 3600, 20 * 3600, len(fresh)),
            fresh,
            True,
            np.maximum(opening, 10_000),
            CAT["transfer"],
        )

        payday = np.minimum(w.circles.payday, last) == dom
        pay = has_cur & payday & ~self.retired
        who = np.flatnonzero(pay)
        cents = np.round(p.income[who] * rng.uniform(0.97, 1.03, len(who)) * 100)
        cat = np.where(self.student[who], CAT["transfer"], CAT["salary"])  # allowance from home
        book.add(base + rng.integers(3600, 7 * 3600, len(who)), who, True, cents, cat)
        if dom == 10:
            who = np.flatnonzero(has_cur & self.retired)
            book.add(
                base + rng.integers(3600, 6 * 3600, len(who)),
                who,
                True,
                np.round(p.income[who] * 100),
                CAT["pension"],
            )

        who = np.flatnonzero(has_cur & (self.bill_dom == dom))
        book.add(
            base + rng.integers(8 * 3600, 22 * 3600, len(who)),
            who,
            False,
            np.round(rng.lognormal(np.log(22_000), 0.6, len(who))),
            CAT["household"],
        )

        live = (acc.closed == NEVER) & (acc.opened < day) & (acc.due == dom)
        ins = np.flatnonzero(live & (acc.cls == CLASS["insurance"]))
        book.add(
            base + rng.integers(2 * 3600, 6 * 3600, len(ins)),
            acc.customer[ins],
            False,
            np.maximum(np.round(acc.cents[ins] * 0.008), 10_000),
            CAT["insurance"],
        )

        loans = np.flatnonzero(live & (acc.cls == CLASS["loan"]) & ~self._in_arrears(day))
        months = np.maximum(w.catalog.p_term[acc.product[loans]] / 30.4, 1)
        principal = np.minimum(np.ceil(acc.orig[loans] / months), acc.cents[loans]).astype(np.int64)
        rate = np.nan_to_num(w.catalog.p_yield[acc.product[loans]])
        interest = np.round(acc.cents[loans] * rate / 1200).astype(np.int64)
        book.add(
            base + rng.integers(3600, 5 * 3600, len(loans)),
            acc.customer[loans],
            False,
            principal + interest,
            CAT["loan_payment"],
        )
        acc.cents[loans] -= principal
        acc.closed[loans[acc.cents[loans] <= 0]] = day  # paid off

        cards = np.flatnonzero(live & (acc.cls == CLASS["credit_card"]) & ~self._in_arrears(day))
        share = np.where(acc.revolver[cards], 0.1, rng.uniform(0.85, 1.0, len(cards)))
        repay = np.round(acc.cents[cards] * share).astype(np.int64)
        book.add(
            base + rng.integers(7 * 3600, 22 * 3600, len(cards)),
            acc.customer[cards],
            False,
            repay,
            CAT["loan_payment"],
        )
        acc.cents[cards] = np.maximum(acc.cents[cards] - repay, 1)

        owners = np.flatnonzero(has_cur)
        spend = np.repeat(owners, rng.poisson(self.spend_rate[owners]))
        book.add(
            w.clock(rng, len(spend), day, HOURS_WEEKDAY),
            spend,
            False,
            np.round(rng.lognormal(np.log(6000), 0.9, len(spend))) + 1,
            CAT["card_spend"],
        )
        cash = np.repeat(owners, rng.poisson(self.cash_rate[owners]))
        out = rng.random(len(cash)) < 0.7
        amount = np.where(out, rng.integers(2, 31, len(cash)), rng.integers(5, 51, len(cash)))
        book.add(
            base + rng.integers(8 * 3600, 21 * 3600, len(cash)),
            cash,
            ~out,
            amount * 10_000,
            CAT["cash"],
        )
        inflow = np.repeat(owners, rng.poisson(0.008, len(owners)))
        book.add(
            base + rng.integers(8 * 3600, 22 * 3600, len(inflow)),
            inflow,
            True,
            np.round(rng.lognormal(np.log(100_000), 1.0, len(inflow))) + 100,
            CAT["transfer"],
        )
        if date.month % 3 == 0 and dom == 21:  # quarterly interest on demand deposits
            cur = self.cur[owners]
            book.add(
                np.full(len(owners), base + 2 * 3600),
                owners,
                True,
                np.maximum(np.round(acc.cents[cur] * 0.0005), 1),
                CAT["interest"],
            )

    def _maturities(self, rng: Generator, book: _Book, day: int) -> None:
        """Deposits renew or pay out; closed-end wealth and term insurance pay out."""
        acc, c = self.acc, self.w.catalog
        due = np.flatnonzero(
            (acc.maturity == day)
            & (acc.closed == NEVER)
            & np.isin(acc.cls, [CLASS["time_deposit"], CLASS["wealth"], CLASS["insurance"]])
        )
        if len(due) == 0:
            return
        ts = day * DAY_S + rng.integers(3600, 3 * 3600, len(due))
        cls = acc.cls[due]
        term = c.p_term[acc.product[due]]
        deposit = cls == CLASS["time_deposit"]
        interest = np.where(
            deposit,
            np.round(acc.cents[due] * np.nan_to_num(c.p_yield[acc.product[due]]) * term / 36_500),
            0,
        ).astype(np.int64)
        renew = deposit & (rng.random(len(due)) < 0.6)
        acc.cents[due[renew]] += interest[renew]
        acc.maturity[due[renew]] += term[renew]
        pay = due[~renew]
        value = acc.balance(pay, self.prices, day)
        book.add(ts[~renew], acc.customer[pay], True, value, CAT["other"])
        paid_interest = ~renew & (interest > 0)
        book.add(
            ts[paid_interest],
            acc.customer[due[paid_interest]],
            True,
            interest[paid_interest],
            CAT["interest"],
        )
        acc.closed[pay] = day

    # --- posting ------------------------------------------------------------------------------
    def _post(self, rng: Generator, book: _Book, day: int) -> pl.DataFrame:
        """Order the day's transactions, top up accounts that would go too low, run balances."""
        ts, cust, credit, cents, cat = book.arrays()
        order = np.arange(len(ts))
        run, o = self._run(ts, cust, credit, cents, order)
        acct = self.cur[cust[o]]
        if len(o):
            first = np.flatnonzero(np.r_[True, acct[1:] != acct[:-1]])
            low = np.minimum.reduceat(run, first)
            short = low < FLOOR
            if short.any():
                need = FLOOR - low[short] + rng.integers(0, 200_000, int(short.sum()))
                top = np.ceil(need / 10_000).astype(np.int64) * 10_000
                when = np.maximum(
                    ts[o][first[short]] - rng.integers(60, 1800, len(top)), day * DAY_S
                )
                ts = np.concatenate([ts, when])
                cust = np.concatenate([cust, cust[o][first[short]]])
                credit = np.concatenate([credit, np.ones(len(top), bool)])
                cents = np.concatenate([cents, top])
                cat = np.concatenate([cat, np.full(len(top), CAT["transfer"])])
                order = np.concatenate([order, np.full(len(top), -1)])
                run, o = self._run(ts, cust, credit, cents, order)
                acct = self.cur[cust[o]]
        # the last running balance of each account is its new balance
        if len(o):
            last = np.flatnonzero(np.r_[acct[1:] != acct[:-1], True])
            self.acc.cents[acct[last]] = run[last]
        bal = np.empty(len(o), np.int64)
        bal[o] = run
        out = np.lexsort((order, self.cur[cust], ts))
        n = len(out)
        frame = pl.DataFrame(
            {
                "txn_id": ids("T", np.arange(self.next_txn, self.next_txn + n), 10),
                "ts": timestamps(ts[out]),
                "customer_id": ids("C", cust[out], max(7, len(str(self.w.people.n)))),
                "account_id": account_ids(self.cur[cust[out]]),
                "direction": pl.Series(["debit", "credit"]).gather(credit[out].astype(np.int64)),
                "amount": money(cents[out]),
                "category": pl.Series(landing.TRANSACTION_CATEGORIES).gather(cat[out]),
                "balance_after": money(bal[out]),
            }
        )
        self.next_txn += n
        return frame

    def _run(self, ts, cust, credit, cents, order):
        """Running balance per current account in (account, time, order) order."""
        acct = self.cur[cust]
        o = np.lexsort((order, ts, acct))
        signed = np.where(credit, cents, -cents)[o]
        a = acct[o]
        if len(o) == 0:
            return np.zeros(0, np.int64), o
        first = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
        cum = np.cumsum(signed)
        size = np.diff(np.r_[first, len(o)])
        before = np.repeat(cum[first] - signed[first], size)
        return self.acc.cents[a] + cum - before, o

    # --- holdings -----------------------------------------------------------------------------
    def _holdings(self, e: Events, redeems, day: int) -> None:
        acc, c, prices = self.acc, self.w.catalog, self.prices
        chosen, amount = redeems
        if len(chosen):
            nav = prices.at(acc.product[chosen], day)
            value = acc.balance(chosen, prices, day)
            full = amount >= value
            acc.units[chosen] = np.where(full, 0.0, acc.units[chosen] - amount / 100 / nav)
            acc.closed[chosen[full]] = day

        m = e.of("product_buy")
        user, prod, cents = e.user[m], e.target[m], e.amount[m]
        if len(user) == 0:
            return
        nav = prices.at(prod, day)
        is_nav = np.isin(c.p_class[prod], [CLASS["wealth"], CLASS["fund"], CLASS["precious_metal"]])
        # top-up products add to an open holding of the same product
        open_ = np.flatnonzero((acc.closed == NEVER) & c.p_top_up[acc.product])
        n_prod = c.products
        keys = acc.customer[open_] * n_prod + acc.product[open_]
        order = np.argsort(keys, kind="stable")
        keys, open_ = keys[order], open_[order]
        want = user * n_prod + prod
        pos = np.minimum(np.searchsorted(keys, want), max(len(keys) - 1, 0))
        found = c.p_top_up[prod] & (len(keys) > 0)
        if len(keys):
            found &= keys[pos] == want
        hit = open_[pos[found]] if found.any() else np.zeros(0, np.int64)
        np.add.at(acc.units, hit, np.where(is_nav[found], cents[found] / 100 / nav[found], 0.0))
        np.add.at(acc.cents, hit, np.where(is_nav[found], 0, cents[found]))
        new = ~found
        term = c.p_term[prod[new]]
        dom = min(to_date(day).day, 28)
        acc.append(
            customer=user[new],
            product=prod[new],
            cls=c.p_class[prod[new]],
            opened=np.full(int(new.sum()), day),
            maturity=np.where(term > 0, day + term, -1),
            units=np.where(is_nav[new], cents[new] / 100 / nav[new], 0.0),
            cents=np.where(is_nav[new], 0, cents[new]),
            orig=np.where(c.p_class[prod[new]] == CLASS["loan"], cents[new], 0),
            due=np.full(int(new.sum()), dom),
        )

    def _accrue(self, rng: Generator, day: int) -> None:
        """Card spending builds up between statements; arrears grow with penalty interest."""
        acc = self.acc
        live = (acc.closed == NEVER) & (acc.opened <= day)
        cards = np.flatnonzero(live & (acc.cls == CLASS["credit_card"]) & ~self._in_arrears(day))
        spent = rng.poisson(0.5, len(cards)) * rng.lognormal(np.log(15_000), 0.8, len(cards))
        acc.cents[cards] += np.round(spent).astype(np.int64)
        late = np.flatnonzero(live & self._in_arrears(day))
        acc.cents[late] = np.round(acc.cents[late] * 1.0005).astype(np.int64)

    def _in_arrears(self, day: int) -> np.ndarray:
        """Accounts behind on payments on ``day`` (some fall behind only inside the window)."""
        return self.acc.overdue & (self.acc.overdue_since <= day)

    def _snapshot(self, day: int) -> pl.DataFrame:
        acc = self.acc
        idx = np.flatnonzero((acc.opened <= day) & (acc.closed >= day))
        status = status_on(acc, idx, day)
        bal = acc.balance(idx, self.prices, day)
        bal = np.where(status == CLOSED, 0, np.maximum(bal, 1))
        return snapshot_frame(self.w, acc, idx, bal, status, day)
