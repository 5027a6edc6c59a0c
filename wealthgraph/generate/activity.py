"""Daily interaction events: app sessions and what people do in them, share cascades, and the
routing of follow-ups (replies, purchases, cascade reads) onto later days."""

from __future__ import annotations

import numpy as np
from numpy.random import Generator

from . import service
from .circles import draw_rows
from .common import DAY_S, stream
from .events import ARTICLE_COMMENT_START, COMMENTS, Events
from .fraud import Fraud
from .vocab import TOPICS
from .world import DOW_SESSIONS, World

ACTIONS = (
    "message_friend",
    "message_group",
    "message_service",
    "message_manager",
    "article_read",
    "product_view",
    "product_redeem",
    "transfer",
    "red_packet",
    "aa_bill",
    "scenario_payment",
    "follow_account",
    "unfollow_account",
)
_A = {name: i for i, name in enumerate(ACTIONS)}
BASE_MIX = np.array(
    [0.26, 0.12, 0.02, 0.04, 0.2, 0.12, 0.012, 0.05, 0.05, 0.015, 0.07, 0.012, 0.004]
)
# rows follow people.PERSONAS: balanced, chatter, reader, investor, payer
PERSONA_BOOST = np.ones((5, len(ACTIONS)))
PERSONA_BOOST[1, [_A["message_friend"], _A["message_group"], _A["red_packet"]]] = 2.0
PERSONA_BOOST[2, [_A["article_read"], _A["follow_account"]]] = 2.5
PERSONA_BOOST[3, [_A["product_view"], _A["product_redeem"], _A["message_manager"]]] = 2.5
PERSONA_BOOST[4, [_A["scenario_payment"], _A["transfer"], _A["aa_bill"]]] = 2.5
WEEKEND_BOOST = np.ones(len(ACTIONS))
WEEKEND_BOOST[[_A["red_packet"], _A["aa_bill"], _A["message_friend"]]] = 1.5
WEEKEND_BOOST[[_A["product_view"], _A["message_manager"], _A["product_redeem"]]] = 0.6
MIX = BASE_MIX * PERSONA_BOOST
LUCKY = np.array([188, 520, 666, 888, 1314, 1680, 5200, 6600, 8800, 9900, 10000, 16800, 20000])
LUCKY_W = np.array([6, 5, 8, 8, 2, 3, 3, 5, 6, 2, 6, 2, 2], dtype=float)
MAX_HOPS = 8
NEW_PHONES_PER_30_DAYS = 0.04  # people replace a phone every two years or so
FAMILY_TABLET_SHARE = 0.03  # of a family member's events, on the family's shared tablet


class Simulator:
    """Produces the complete event log of each window day, in order."""

    def __init__(self, world: World, seed: int) -> None:
        self.w = world
        self.seed = seed
        self.pending: dict[int, list[Events]] = {}
        self.fraud = Fraud.draw(stream(seed, "fraud"), world.people)
        self._draw_devices(stream(seed, "devices"))
        g = world.graph
        self._friends = lambda u: set(g.nbr[g.indptr[u] : g.indptr[u + 1]].tolist())
        self._route(service.planned(world, stream(seed, "plans")))

    def _route(self, batch: Events) -> None:
        """File events under their day; follow-ups may land on later days or past the end."""
        start = self.w.window.start_n
        for k, part in batch.split_by_day(start * DAY_S).items():
            if 0 <= k < self.w.window.days:
                self.pending.setdefault(k, []).append(part)

    def day(self, i: int) -> Events:
        """All events of window day ``i`` (0-based), sorted, with device/channel/city."""
        w = self.w
        rng = stream(self.seed, f"events-{i}")
        day = w.window.start_n + i
        self._route(self._sessions(rng, day))
        self._route(service.outreach(w, rng, day))
        self._route(self.fraud.day(w, self.seed, day, np.flatnonzero(w.active(day)), self._friends))
        today = Events.concat(self.pending.pop(i, []))
        p = w.people
        today.fill_context(rng, p.device, p.channel, p.city, len(p.cities))
        self._own_devices(stream(self.seed, f"devices-{i}"), today)
        return today.sorted()

    # --- devices ------------------------------------------------------------------------------
    def _draw_devices(self, rng: Generator) -> None:
        """Some customers get a new phone inside the window and families share a tablet, so a
        device new to a customer, or one several customers use, is not always a thief's.

        Device numbers: 3 per customer (one per device kind), then the attackers', then each
        customer's new phone, then each family's tablet (``device_count`` in all)."""
        w, p = self.w, self.w.people
        start = w.window.start_n * DAY_S
        changes = rng.random(p.n) < NEW_PHONES_PER_30_DAYS * w.window.days / 30
        self.phone_changed = np.where(
            changes, start + rng.integers(0, w.window.days * DAY_S, p.n), np.iinfo(np.int64).max
        )
        self.new_phone_base = 3 * p.n + self.fraud.devices
        family = w.circles.family
        self.family_size = np.bincount(family)
        self.tablet_base = self.new_phone_base + p.n
        self.device_count = self.tablet_base + len(self.family_size)

    def _own_devices(self, rng: Generator, e: Events) -> None:
        p, family = self.w.people, self.w.circles.family
        own = e.device_id < 0
        phone = own & (e.device == p.device[e.user]) & (e.device < 2)
        new = phone & (e.ts >= self.phone_changed[e.user])
        e.device_id[new] = self.new_phone_base + e.user[new]
        shared = own & ~new & (self.family_size[family[e.user]] >= 2)
        tablet = shared & (rng.random(len(e)) < FAMILY_TABLET_SHARE)
        e.device_id[tablet] = self.tablet_base + family[e.user[tablet]]
        e.device[tablet] = 0  # an iPad

    # --- sessions -----------------------------------------------------------------------------
    def _sessions(self, rng: Generator, day: int) -> Events:
        w, p = self.w, self.w.people
        active = np.flatnonzero(w.active(day))
        su = np.repeat(active, rng.poisson(p.sessions[active] * DOW_SESSIONS[w.dow(day)]))
        ns = len(su)
        start = w.clock(rng, ns, day)
        dev = np.where(rng.random(ns) < 0.93, p.device[su], rng.integers(0, 3, ns))
        chan = np.where(dev == 2, 1, np.where(dev == p.device[su], p.channel[su], 0))
        city = np.where(rng.random(ns) < 0.03, rng.integers(0, len(p.cities), ns), p.city[su])
        out = [Events.make(start, su, "login", channel=chan, device=dev, city=city)]

        per = 1 + rng.poisson(0.55, ns)
        sess = np.repeat(np.arange(ns), per)
        gap = rng.exponential(50, len(sess)).astype(np.int64) + 3
        cum = np.cumsum(gap)
        first = np.concatenate([[0], np.cumsum(per)[:-1]])
        offset = cum - np.repeat(cum[first] - gap[first], per)
        ts = np.minimum(start[sess] + offset, (day + 1) * DAY_S - 1)
        users = su[sess]
        mix = MIX[p.persona[users]] * (WEEKEND_BOOST if w.weekend(day) else 1.0)
        action = draw_rows(rng, mix)
        ctx = {"channel": chan[sess], "device": dev[sess], "city": city[sess]}
        for a, name in enumerate(ACTIONS):
            m = action == a
            if m.any():
                part = {k: v[m] for k, v in ctx.items()}
                out.append(self._act(rng, name, users[m], ts[m], day, part))
        return Events.concat(out)

    def _act(self, rng: Generator, name: str, u, ts, day: int, ctx) -> Events:
        """Resolve one kind of in-session action into events (and their follow-ups)."""
        w, p, n = self.w, self.w.people, len(u)
        if name == "message_friend":
            f = w.graph.random_friend(rng, u, day)
            ok = f >= 0
            return Events.concat(
                [
                    Events.make(ts[ok], u[ok], name, target=f[ok], **_sub(ctx, ok)),
                    Events.make(ts[~ok], u[~ok], "message_service", **_sub(ctx, ~ok)),
                ]
            )
        if name == "message_group":
            g = w.random_group(rng, u, day)
            ok = g >= 0
            return Events.make(ts[ok], u[ok], name, target=g[ok], **_sub(ctx, ok))
        if name == "message_service":
            return Events.make(ts, u, name, **ctx)
        if name == "message_manager":
            m = p.manager[u]
            ok = m >= 0
            asked = Events.make(ts[ok], u[ok], name, target=m[ok], manager=m[ok], **_sub(ctx, ok))
            return Events.concat(
                [
                    asked,
                    service.replies(w, rng, asked),
                    Events.make(ts[~ok], u[~ok], "message_service", **_sub(ctx, ~ok)),
                ]
            )
        if name == "article_read":
            return self._read(rng, u, w.articles(rng, u, day), ts, day, ctx)
        if name == "product_view":
            return self._view(rng, u, w.products(rng, u, day), ts, day, ctx)
        if name == "product_redeem":
            return Events.make(ts, u, name, **ctx)  # the ledger picks the holding and amount
        if name in ("transfer", "red_packet", "aa_bill"):
            f = w.graph.random_friend(rng, u, day)
            if name == "transfer":
                stranger = (f < 0) | (rng.random(n) < 0.12)
                f = np.where(stranger, w.random_local(rng, u, day), f)
                yuan = np.round(rng.lognormal(np.log(300), 1.1, n))
                amount = np.maximum(yuan, 1).astype(np.int64) * 100
            elif name == "red_packet":
                amount = LUCKY[np.searchsorted(np.cumsum(LUCKY_W), rng.random(n) * LUCKY_W.sum())]
            else:
                amount = np.maximum(rng.lognormal(np.log(5500), 0.6, n), 100).astype(np.int64)
            ok = f >= 0
            return Events.make(
                ts[ok], u[ok], name, target=f[ok], amount=amount[ok], **_sub(ctx, ok)
            )
        if name == "scenario_payment":
            cat, amount = w.scenario(rng, n)
            return Events.make(ts, u, name, amount=amount, category=cat, **ctx)
        # follow / unfollow an official account, usually one that writes about the liked topic
        n_oa = len(w.catalog.oa_topics)
        covers = np.array([[t in ts_ for t in range(len(TOPICS))] for ts_ in w.catalog.oa_topics])
        liked = covers[:, w.pref_topic[u]].T.astype(float) + 0.15
        oa = draw_rows(rng, liked) if name == "follow_account" else rng.integers(0, n_oa, n)
        return Events.make(ts, u, name, target=oa, **ctx)

    # --- content ------------------------------------------------------------------------------
    def _read(self, rng: Generator, u, art, ts, day: int, ctx, via=None) -> Events:
        """Reads plus the likes, comments and shares they trigger (shares start cascades)."""
        w, p, n = self.w, self.w.people, len(u)
        kw = {} if via is None else {"via": via}
        out = [Events.make(ts, u, "article_read", target=art, **kw, **ctx)]
        like = rng.random(n) < 0.12
        out.append(
            Events.make(
                ts[like] + rng.integers(5, 120, int(like.sum())),
                u[like],
                "article_like",
                target=art[like],
                **_sub(ctx, like),
            )
        )
        say = rng.random(n) < 0.025
        text = ARTICLE_COMMENT_START + rng.integers(0, len(COMMENTS) - ARTICLE_COMMENT_START, n)
        out.append(
            Events.make(
                ts[say] + rng.integers(20, 300, int(say.sum())),
                u[say],
                "article_comment",
                target=art[say],
                comment=text[say],
                **_sub(ctx, say),
            )
        )
        match = w.pref_topic[u] == w.catalog.a_topic[art]
        base = 0.035 if via is None else 0.06
        p_share = base * (1 + 0.5 * np.log(p.sociability[u])) * np.where(match, 2.0, 0.7)
        share = rng.random(n) < p_share
        if share.any():
            s_ts = ts[share] + rng.integers(10, 300, int(share.sum()))
            out.append(
                Events.make(s_ts, u[share], "article_share", target=art[share], **_sub(ctx, share))
            )
            if via is None:
                out.append(self._cascade(rng, u[share], art[share], s_ts, day))
        return Events.concat(out)

    def _cascade(self, rng: Generator, sharer, art, ts, day: int) -> Events:
        """Friends read shared articles (via the sharer) and some share again, hop after hop."""
        w = self.w
        n_art = len(w.catalog.a_topic)
        seen = np.unique(sharer * n_art + art)
        out = []
        for _ in range(MAX_HOPS):
            if len(sharer) == 0:
                break
            row, friend = w.graph.neighbours(sharer, day)
            keep = w.active(day + 1)[friend] & w.active(day)[friend]
            row, friend = row[keep], friend[keep]
            a = art[row]
            match = w.pref_topic[friend] == w.catalog.a_topic[a]
            read = rng.random(len(row)) < np.where(match, 0.22, 0.07)
            row, friend, a = row[read], friend[read], a[read]
            key = friend * n_art + a
            key_u, first = np.unique(key, return_index=True)
            fresh = ~np.isin(key_u, seen)
            first = np.sort(first[fresh])
            seen = np.union1d(seen, key_u)
            row, friend, a = row[first], friend[first], a[first]
            t = ts[row] + np.minimum(rng.lognormal(np.log(1800), 1.2, len(row)), 2 * DAY_S)
            t = t.astype(np.int64)
            hop = self._read(rng, friend, a, t, day, {}, via=sharer[row])
            out.append(hop)
            again = hop.of("article_share")
            sharer, art, ts = hop.user[again], hop.target[again], hop.ts[again]
        return Events.concat(out)

    def _view(self, rng: Generator, u, prod, ts, day: int, ctx, via=None) -> Events:
        """Product views plus the purchases and shares they lead to."""
        w, n = self.w, len(u)
        kw = {} if via is None else {"via": via}
        out = [Events.make(ts, u, "product_view", target=prod, **kw, **ctx)]
        match = w.catalog.p_class[prod] == w.pref_product_class[u]
        b_ts = ts + rng.integers(30, 900, n)
        # suitability is checked for ``day``, so only same-day purchases are kept
        buy = (rng.random(n) < np.where(match, 0.06, 0.015)) & (b_ts // DAY_S == day)
        buy &= w.can_buy(u, prod, day)
        out.append(
            Events.make(
                b_ts[buy],
                u[buy],
                "product_buy",
                target=prod[buy],
                amount=w.buy_amount(rng, u[buy], prod[buy]),
                **_sub(ctx, buy),
            )
        )
        if via is not None:
            return Events.concat(out)
        share = rng.random(n) < 0.02
        s_ts = ts[share] + rng.integers(10, 300, int(share.sum()))
        out.append(
            Events.make(s_ts, u[share], "product_share", target=prod[share], **_sub(ctx, share))
        )
        row, friend = w.graph.neighbours(u[share], day)
        keep = w.active(day + 1)[friend] & w.active(day)[friend]
        keep &= rng.random(len(row)) < np.where(
            w.pref_product_class[friend] == w.catalog.p_class[prod[share][row]], 0.2, 0.06
        )
        row, friend = row[keep], friend[keep]
        t = s_ts[row] + np.minimum(rng.lognormal(np.log(2400), 1.1, len(row)), DAY_S)
        out.append(
            self._view(
                rng, friend, prod[share][row], t.astype(np.int64), day, {}, via=u[share][row]
            )
        )
        return Events.concat(out)


def _sub(ctx: dict, mask) -> dict:
    return {k: v[mask] for k, v in ctx.items()}
