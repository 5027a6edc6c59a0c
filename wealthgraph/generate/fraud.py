"""Planted fraud and credit risk, with their truth (never in the landing format).

Three fraud patterns, at rates a bank's fraud team would recognise (well under 1% of the
money moved between customers):

- **account takeover**: a login at an odd hour from a device nobody in the bank has used and a
  city the victim does not live in, then within minutes large transfers (or a burst of red
  packets) to payees the victim never contacted, mostly money mules;
- **scam through a new "friend"**: a mule adds the victim as a friend, chats for a while, then
  the victim sends a few growing transfers to the new friend;
- **money mule**: every payment a mule receives from a victim leaves again within hours, most
  of it, to an account the mule never paid before.

Credit risk is planted in :func:`plant_overdue`: some circles (workplaces, villages) carry
far more arrears than others, and part of it starts inside the window, so a customer whose
close ties fall behind is a warning before their own loan is late.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.random import Generator

from .common import DAY_S, NEVER, stream
from .events import Events
from .people import ADULT, People

PATTERNS = ("account_takeover", "scam", "mule")
FRAUD = {name: i for i, name in enumerate(PATTERNS)}
TAKEOVERS_PER_CUSTOMER_DAY = 3e-5
SCAMS_PER_CUSTOMER_DAY = 4e-5
CUSTOMERS_PER_MULE = 5000
VICTIMS_PER_ATTACKER_DEVICE = 8  # a fraud ring reuses its phones across victims
# attackers work while the victim sleeps: most takeovers start between midnight and 6 am
NIGHT_SHARE = 0.7
AWAY_SHARE = 0.6
RISKY_CIRCLE_SHARE = 0.04
OVERDUE_IN_RISKY_CIRCLE = 0.25


@dataclass
class Fraud:
    """Who the mules are and which devices the attackers hold; plants a day's fraud events."""

    mules: np.ndarray
    devices: int  # attacker devices, numbered after every customer's own three

    @classmethod
    def draw(cls, rng: Generator, p: People) -> Fraud:
        """Mules among established customers, and the attackers' phones."""
        old = np.flatnonzero(~p.new & ~p.dormant & (p.age >= 18))
        mules = np.sort(rng.choice(old, max(2, p.n // CUSTOMERS_PER_MULE), replace=False))
        expected = p.n * TAKEOVERS_PER_CUSTOMER_DAY * 30
        return cls(mules, max(2, round(expected / VICTIMS_PER_ATTACKER_DEVICE)))

    def day(self, w, seed: int, day: int, active: np.ndarray, neighbours) -> Events:
        """Fraud events that start on ``day``; cash-outs may fall on the next day."""
        rng = stream(seed, f"fraud-{day}")
        p = w.people
        victims = np.setdiff1d(active, self.mules)
        parts = [
            self._takeovers(rng, w, day, victims),
            self._scams(rng, w, day, victims, neighbours),
        ]
        paid = Events.concat(parts)
        parts.append(self._cash_out(rng, p, paid))
        return Events.concat(parts)

    def _takeovers(self, rng: Generator, w, day: int, victims: np.ndarray) -> Events:
        p = w.people
        k = rng.poisson(len(victims) * TAKEOVERS_PER_CUSTOMER_DAY)
        if k == 0:
            return Events.empty()
        v = rng.choice(victims, k, replace=False)
        night = rng.random(k) < NIGHT_SHARE
        hour = np.where(night, rng.integers(0, 6, k), rng.integers(6, 24, k))
        t0 = day * DAY_S + hour * 3600 + rng.integers(0, 3600, k)
        device = 3 * p.n + rng.integers(0, self.devices, k)
        # most attackers sit elsewhere; some go through a proxy in the victim's own city
        away = rng.random(k) < AWAY_SHARE
        city = np.where(
            away, (p.city[v] + rng.integers(1, len(p.cities), k)) % len(p.cities), p.city[v]
        )
        ctx = {"channel": np.zeros(k, np.int64), "device": np.ones(k, np.int64)}  # app, android
        out = [
            Events.make(
                t0,
                v,
                "login",
                device_id=device,
                city=city,
                fraud=_code("account_takeover", k),
                **ctx,
            )
        ]
        # drain a share of what the victim owns, in 1-5 moves a few minutes apart
        moves = np.minimum(1 + rng.poisson(1.2, k), 5)
        who = np.repeat(np.arange(k), moves)
        total = np.clip(p.wealth[v] * rng.uniform(0.05, 0.3, k), 2_000, 200_000)
        each = np.round(total[who] / moves[who] * rng.uniform(0.8, 1.2, len(who)))
        gap = rng.exponential(240, len(who)).astype(np.int64) + 30
        ts = t0[who] + _cumsum_by(gap, moves)
        packet = rng.random(k)[who] < 0.15  # a burst of red packets instead of transfers
        payee = np.where(
            rng.random(len(who)) < 0.7,
            rng.choice(self.mules, len(who)),
            rng.integers(0, p.n, len(who)),
        )
        payee = np.where(payee == v[who], (payee + 1) % p.n, payee)
        cents = np.where(packet, 20_000, np.maximum(each, 1) * 100).astype(np.int64)
        for name, m in (("transfer", ~packet), ("red_packet", packet)):
            out.append(
                Events.make(
                    ts[m],
                    v[who][m],
                    name,
                    target=payee[m],
                    amount=cents[m],
                    device_id=device[who][m],
                    city=city[who][m],
                    fraud=_code("account_takeover", int(m.sum())),
                    channel=ctx["channel"][who][m],
                    device=ctx["device"][who][m],
                )
            )
        return Events.concat(out)

    def _scams(self, rng: Generator, w, day: int, victims: np.ndarray, neighbours) -> Events:
        p = w.people
        k = rng.poisson(len(victims) * SCAMS_PER_CUSTOMER_DAY)
        if k == 0:
            return Events.empty()
        v = rng.choice(victims, k, replace=False)
        mule = rng.choice(self.mules, k)
        fresh = np.array([m not in neighbours(int(x)) for m, x in zip(mule, v, strict=True)])
        v, mule, k = v[fresh], mule[fresh], int(fresh.sum())
        if k == 0:
            return Events.empty()
        added = w.clock(rng, k, day)
        out = [Events.make(added, mule, "friend_add", target=v)]
        # a few hours of chat in both directions builds the trust the scam spends
        chats = 2 + rng.poisson(4, k)
        who = np.repeat(np.arange(k), chats)
        ts = added[who] + _cumsum_by(rng.exponential(900, len(who)).astype(np.int64) + 60, chats)
        back = rng.random(len(who)) < 0.5
        out.append(Events.make(ts[back], v[who][back], "message_friend", target=mule[who][back]))
        out.append(Events.make(ts[~back], mule[who][~back], "message_friend", target=v[who][~back]))
        # then growing payments: "a small test", "the fee", "the rest"
        pays = 1 + rng.binomial(2, 0.6, k)
        who = np.repeat(np.arange(k), pays)
        step = _cumsum_by(np.ones(len(who), np.int64), pays)
        first = np.clip(p.wealth[v] * rng.uniform(0.005, 0.02, k), 500, 20_000)
        yuan = np.round(first[who] * 3.0 ** (step - 1) * rng.uniform(0.8, 1.2, len(who)))
        wait = rng.exponential(5 * 3600, len(who)).astype(np.int64) + 1800
        ts = added[who] + 3 * 3600 + _cumsum_by(wait, pays)
        out.append(
            Events.make(
                ts,
                v[who],
                "transfer",
                target=mule[who],
                amount=(yuan * 100).astype(np.int64),
                fraud=_code("scam", len(who)),
            )
        )
        return Events.concat(out)

    def _cash_out(self, rng: Generator, p: People, paid: Events) -> Events:
        """Each mule passes on 85-98% of what a victim paid it, 20 minutes to 6 hours later."""
        into = np.isin(paid.target, self.mules) & (paid.fraud >= 0) & (paid.amount > 0)
        into &= paid.of("transfer") | paid.of("red_packet")
        src = paid.take(into)
        n = len(src)
        if n == 0:
            return Events.empty()
        ts = src.ts + rng.integers(1200, 6 * 3600, n)
        to = rng.integers(0, p.n, n)
        to = np.where(to == src.target, (to + 1) % p.n, to)
        cents = (src.amount * rng.uniform(0.85, 0.98, n) / 100).astype(np.int64) * 100
        return Events.make(
            ts,
            src.target,
            "transfer",
            target=to,
            amount=np.maximum(cents, 100),
            fraud=_code("mule", n),
        )


def plant_overdue(rng: Generator, p: People, circle: np.ndarray, start: int) -> np.ndarray:
    """Raise arrears in a few circles; returns each customer's first overdue day (NEVER if none).

    Members of a risky circle fall behind far more often; half of them only inside the window
    (from ``start``), so their network warns before their own account does.
    """
    risky = rng.random(int(circle.max()) + 1) < RISKY_CIRCLE_SHARE
    can = ~p.new & (p.age >= 23) & (p.age < 66) & (p.birth + ADULT < start)
    hit = can & risky[circle] & (rng.random(p.n) < OVERDUE_IN_RISKY_CIRCLE) & ~p.overdue
    since = np.full(p.n, NEVER, dtype=np.int64)
    late = hit & (rng.random(p.n) < 0.5)
    since[hit & ~late] = start - rng.integers(20, 200, int((hit & ~late).sum()))
    since[late] = start + rng.integers(0, 30, int(late.sum()))
    return since


def _code(pattern: str, n: int) -> np.ndarray:
    return np.full(n, FRAUD[pattern], dtype=np.int64)


def _cumsum_by(step: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Running sum of ``step`` restarting at each group of ``sizes`` consecutive rows."""
    total = np.cumsum(step)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return total - np.repeat(total[first] - step[first], sizes)
