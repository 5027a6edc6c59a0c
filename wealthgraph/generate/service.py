"""Relationship-manager interplay and planned relationship changes.

Managers message and recommend to their books on working days; recommendations convert to
purchases over the next days (more often when they match the customer's preferred class);
customer messages get replies whose speed and rate depend on a latent manager quality, which
also drives the ratings customers leave.
"""

from __future__ import annotations

import numpy as np
from numpy.random import Generator

from .catalog import CLASS
from .common import DAY_S, NEVER
from .events import RATING_COMMENT_START, RATING_COMMENTS, Events
from .world import WORK_HOURS, World

PUSH_CLASSES = np.array([CLASS["wealth"], CLASS["fund"], CLASS["insurance"]])


def outreach(w: World, rng: Generator, day: int) -> Events:
    """Proactive manager messages and product recommendations (with their consequences)."""
    p = w.people
    work = 0.15 if w.weekend(day) else 1.0
    has = (p.manager >= 0) & w.active(day)
    has[has] = p.m_active[p.manager[has]]
    book = np.flatnonzero(has)

    msg = book[rng.random(len(book)) < 0.012 * work]
    mgr = p.manager[msg]
    ts = w.clock(rng, len(msg), day, WORK_HOURS)
    out = [Events.make(ts, msg, "message_from_manager", target=mgr, manager=mgr)]
    back = rng.random(len(msg)) < 0.35
    back_ts = ts[back] + rng.lognormal(np.log(1800), 1.0, int(back.sum())).astype(np.int64)
    answers = Events.make(
        back_ts, msg[back], "message_manager", target=mgr[back], manager=mgr[back]
    )
    out += [answers, replies(w, rng, answers)]

    rich = p.wealth[book] > np.quantile(p.wealth, 0.75) if len(book) else np.zeros(0, bool)
    who = book[rng.random(len(book)) < 0.009 * work * np.where(rich, 1.8, 1.0)]
    cls = np.where(
        rng.random(len(who)) < 0.7,
        w.pref_product_class[who],
        PUSH_CLASSES[rng.integers(0, len(PUSH_CLASSES), len(who))],
    )
    prod = w.suitable_product(rng, who, cls, day)
    ok = prod >= 0
    who, prod = who[ok], prod[ok]
    mgr = p.manager[who]
    ts = w.clock(rng, len(who), day, WORK_HOURS)
    out.append(Events.make(ts, who, "manager_recommend", target=prod, manager=mgr))
    out += _after_recommend(w, rng, who, prod, ts, day)
    return Events.concat(out)


def _after_recommend(w: World, rng: Generator, who, prod, ts, day: int) -> list[Events]:
    look = rng.random(len(who)) < 0.45
    look_ts = ts[look] + rng.lognormal(np.log(3600), 1.0, int(look.sum())).astype(np.int64)
    views = Events.make(look_ts, who[look], "product_view", target=prod[look])

    match = w.catalog.p_class[prod] == w.pref_product_class[who]
    buy = rng.random(len(who)) < np.where(match, 0.3, 0.07)
    who, prod, ts = who[buy], prod[buy], ts[buy]
    # most buy within a few days; same-day buys come after the recommendation
    lag = rng.geometric(0.45, len(who)) - 1
    when = w.clock_on(rng, day + lag)
    when = np.where(lag == 0, np.maximum(when, ts + 600), when)
    buy_day = when // DAY_S
    ok = np.zeros(len(who), dtype=bool)
    for d in np.unique(buy_day).tolist():
        idx = np.flatnonzero(buy_day == d)
        ok[idx] = w.can_buy(who[idx], prod[idx], d) & w.active(d)[who[idx]]
    who, prod, when = who[ok], prod[ok], when[ok]
    amount = w.buy_amount(rng, who, prod)
    return [views, Events.make(when, who, "product_buy", target=prod, amount=amount)]


def replies(w: World, rng: Generator, asked: Events) -> Events:
    """Manager answers to customer messages, and ratings that follow conversations."""
    p = w.people
    if len(asked) == 0:
        return Events.empty()
    mgr = asked.target
    q = p.m_quality[mgr]
    answered = p.m_active[mgr] & (rng.random(len(mgr)) < 0.55 + 0.4 * q)
    delay = rng.lognormal(np.log(300 + 5400 * (1 - q) ** 2), 0.9, len(mgr)).astype(np.int64)
    t = asked.ts + delay
    hour = (t % DAY_S) // 3600
    # nobody answers at night: late messages wait for the next morning
    morning = (t // DAY_S + (hour >= 21)) * DAY_S + 9 * 3600 + rng.integers(0, 7200, len(t))
    t = np.where((hour < 8) | (hour >= 21), morning, t)
    a = answered
    out = [Events.make(t[a], asked.user[a], "message_from_manager", target=mgr[a], manager=mgr[a])]

    rate = a & (rng.random(len(mgr)) < 0.07)
    stars = np.clip(np.round(1 + 4 * q + rng.normal(0, 0.8, len(mgr))), 1, 5).astype(np.int64)
    # customers left unanswered sometimes complain with a low rating the next day
    angry = ~a & (rng.random(len(mgr)) < 0.05)
    stars[angry] = rng.integers(1, 3, int(angry.sum()))
    when = np.where(a, t, asked.ts + DAY_S) + rng.lognormal(np.log(3600), 1.0, len(t)).astype(
        np.int64
    )
    r = rate | angry
    k = np.array([len(c) for c in RATING_COMMENTS])[stars - 1]
    comment = RATING_COMMENT_START[stars - 1] + (rng.random(len(mgr)) * k).astype(np.int64)
    comment = np.where(rng.random(len(mgr)) < 0.5, comment, -1)
    out.append(
        Events.make(
            when[r],
            asked.user[r],
            "manager_rating",
            target=mgr[r],
            manager=mgr[r],
            rating=stars[r],
            comment=comment[r],
        )
    )
    return Events.concat(out)


def planned(w: World, rng: Generator) -> Events:
    """Friend adds/removes and group joins/leaves decided when the graph and groups were drawn."""
    g, c = w.graph, w.circles
    start = w.window.start_n
    add = np.flatnonzero(g.added)
    other = g.a + g.b - g.initiator
    rem = np.flatnonzero(g.removed < NEVER)
    join = np.flatnonzero(c.gm_joined >= start)
    leave = np.flatnonzero(c.gm_left < NEVER)
    return Events.concat(
        [
            Events.make(
                w.clock_on(rng, g.since[add]), g.initiator[add], "friend_add", target=other[add]
            ),
            Events.make(
                w.clock_on(rng, g.removed[rem]),
                g.initiator[rem],
                "friend_remove",
                target=other[rem],
            ),
            Events.make(
                w.clock_on(rng, c.gm_joined[join]),
                c.gm_customer[join],
                "group_join",
                target=c.gm_group[join],
            ),
            Events.make(
                w.clock_on(rng, c.gm_left[leave]),
                c.gm_customer[leave],
                "group_leave",
                target=c.gm_group[leave],
            ),
        ]
    )
