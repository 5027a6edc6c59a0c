"""Synthetic landing data for wealthgraph: a bank's social-finance app with planted structure.

``generate`` draws people, circles, the friend graph, preferences and the catalog, writes the
reference files and the planted truth (``<out>/_truth``, not part of the landing format), then
simulates the window day by day: events, the ledger (transactions and snapshots) and the
month-end snapshots before the window.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl

from wealthgraph import landing

from .accounts import build_prices, history_snapshots, open_book
from .activity import Simulator
from .catalog import articles_frame, build_catalog, products_frame
from .circles import build_circles, group_members_frame, groups_frame
from .common import NEVER, Window, dates, day_number, ids, stream, to_date
from .events import IdWidths, events_frame
from .fraud import PATTERNS, plant_overdue
from .graph import PREF_CLASSES, build_graph, preferences
from .ledger import Ledger
from .people import branches_frame, build_people, customer_ids, customers_frame, managers_frame
from .vocab import TOPICS
from .world import World

__all__ = ["generate"]

Progress = Callable[[str, int, float], None]
TRUTH = "_truth"


class _Writer:
    """Writes files on worker threads while the next day is simulated.

    Compression dominates the run time and zlib releases the GIL, so threads scale with cores;
    every file is written whole by one task, so the bytes never depend on scheduling.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.workers = max(1, min(4, os.cpu_count() or 1))
        self.pool = ThreadPoolExecutor(max_workers=self.workers)
        self.inflight: list[Future] = []
        self.counts: dict[str, int] = {name: 0 for name in landing.SOURCES}

    def source(self, source: landing.Source, frame: pl.DataFrame, day: dt.date | None = None):
        """Queue one landing file; columns are put in contract order."""
        frame = frame.select(list(source.fields))
        self.counts[source.name] += frame.height
        self._submit(landing.source_path(self.out, source, day), frame)
        return frame.height

    def truth(self, name: str, frame: pl.DataFrame) -> None:
        """Queue one planted-truth side file."""
        self._submit(self.out / TRUTH / f"{name}{landing.SUFFIX}", frame)

    def _submit(self, path: Path, frame: pl.DataFrame) -> None:
        # bound the queue so finished days do not pile up in memory
        while len(self.inflight) >= 2 * self.workers:
            self.inflight.pop(0).result()
        self.inflight.append(self.pool.submit(landing.write_jsonl, path, frame))

    def close(self) -> None:
        for f in self.inflight:
            f.result()
        self.pool.shutdown()


def _clear(out: Path) -> None:
    """Remove landing files a previous run left behind (only this generator's file names)."""
    folders = {s.folder for s in landing.SOURCES.values()} | {TRUTH}
    for folder in sorted(folders):
        d = out / folder
        if d.is_dir():
            for f in sorted(d.glob(f"*{landing.SUFFIX}")):
                f.unlink()


def generate(
    out: Path,
    users: int,
    days: int,
    seed: int,
    end: dt.date,
    history_months: int = 12,
    *,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Generate a landing folder; returns rows written per landing source.

    Parameters
    ----------
    out : landing folder to (re)write; existing ``*.jsonl.gz`` files of the sources are removed.
    users : number of customers.
    days : length of the event window, which ends on ``end`` (inclusive).
    seed : the same seed and arguments give byte-identical files.
    history_months : month-end snapshots before the window.
    progress : called with (stage, rows, seconds) after each stage.
    """
    if users < 50:
        raise ValueError("users must be at least 50")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _clear(out)
    window = Window(end, days, history_months)
    clock = _Stopwatch(progress)
    writer = _Writer(out)
    try:
        world = _draw_world(seed, users, window, clock)
        _write_reference(writer, world, clock)
        _simulate(writer, world, seed, clock)
    finally:
        writer.close()
    clock.done("write", sum(writer.counts.values()))
    return writer.counts


class _Stopwatch:
    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.t = time.perf_counter()

    def done(self, stage: str, rows: int) -> None:
        now = time.perf_counter()
        if self.progress is not None:
            self.progress(stage, rows, now - self.t)
        self.t = now


def _draw_world(seed: int, users: int, window: Window, clock: _Stopwatch) -> World:
    people = build_people(stream(seed, "people"), users, window)
    clock.done("people", people.n)
    circles = build_circles(stream(seed, "circles"), people, window)
    clock.done("circles", circles.groups)
    _plant_overdue(stream(seed, "overdue"), people, circles.circle, window.start_n)
    graph = build_graph(stream(seed, "graph"), people, circles, window)
    pref_class, pref_topic = preferences(stream(seed, "preferences"), people, circles, graph)
    clock.done("friend graph", len(graph.a))
    catalog = build_catalog(stream(seed, "catalog"), window, users, people.m_active)
    clock.done("catalog", catalog.products + len(catalog.a_topic))
    return World(window, people, circles, graph, catalog, pref_class, pref_topic)


def _plant_overdue(rng, p, circle: np.ndarray, start: int) -> None:
    """Clustered arrears (fraud.plant_overdue); those already behind lose two credit grades,
    those who fall behind inside the window keep the grade the bank gave them."""
    since = plant_overdue(rng, p, circle, start)
    hit = since < NEVER
    p.overdue |= hit
    p.overdue_from = since
    p.credit = np.where(hit & (since < start), np.minimum(p.credit + 2, 6), p.credit)


def _write_reference(writer: _Writer, w: World, clock: _Stopwatch) -> None:
    p, c, g = w.people, w.circles, w.graph
    n_mgr = len(p.m_branch)
    rows = 0
    rows += writer.source(landing.BRANCHES, branches_frame(p))
    rows += writer.source(landing.MANAGERS, managers_frame(p))
    rows += writer.source(landing.CUSTOMERS, customers_frame(p))
    rows += writer.source(landing.PRODUCTS, products_frame(w.catalog))
    rows += writer.source(landing.ARTICLES, articles_frame(w.catalog, n_mgr))
    rows += writer.source(landing.GROUPS, groups_frame(c, n_mgr))
    rows += writer.source(landing.GROUP_MEMBERS, group_members_frame(c, p.n, w.window))
    ref = ~g.added
    rows += writer.source(
        landing.FRIENDSHIPS,
        pl.DataFrame(
            {
                "customer_id": customer_ids(p.n, g.a[ref]),
                "friend_id": customer_ids(p.n, g.b[ref]),
                "since": dates(g.since[ref]),
            }
        ),
    )
    everyone = customer_ids(p.n, np.arange(p.n))
    writer.truth(
        "communities",
        pl.DataFrame({"customer_id": everyone, "community_id": ids("K", c.circle, 5)}),
    )
    writer.truth(
        "preferences",
        pl.DataFrame(
            {
                "customer_id": everyone,
                "preferred_class": pl.Series(PREF_CLASSES).gather(w.pref_class),
                "preferred_topic": pl.Series(TOPICS).gather(w.pref_topic),
            }
        ),
    )
    gone = g.removed < NEVER
    writer.truth(
        "removed_friendships",
        pl.DataFrame(
            {
                "customer_id": customer_ids(p.n, g.a[gone]),
                "friend_id": customer_ids(p.n, g.b[gone]),
            }
        ),
    )
    clock.done("reference", rows)


def _simulate(writer: _Writer, w: World, seed: int, clock: _Stopwatch) -> None:
    window = w.window
    history = window.history()
    first = day_number(history[0]) if history else window.start_n - 1
    prices = build_prices(stream(seed, "prices"), w, first)
    acc, cur = open_book(stream(seed, "accounts"), w, prices)
    rows = 0
    for day, frame in history_snapshots(stream(seed, "history"), w, acc, prices):
        rows += writer.source(landing.SNAPSHOTS, frame, to_date(day))
    clock.done("history snapshots", rows)

    sim = Simulator(w, seed)
    ledger = Ledger(w, acc, cur, prices, seed)
    p = w.people
    devices = sim.device_count
    widths = IdWidths.of(
        p.n, len(p.m_branch), w.circles.groups, len(w.catalog.a_topic), w.catalog.products, devices
    )
    next_event = 0
    fraud = []
    for i in range(window.days):
        day = window.day(i)
        events, txns, snap = ledger.day(i, sim.day(i))
        frame = events_frame(events, next_event, widths, p.cities)
        next_event += frame.height
        planted = events.fraud >= 0
        fraud.append(
            frame.filter(pl.Series(planted)).select(
                "event_id",
                "ts",
                "user_id",
                "event_type",
                "target_id",
                "amount",
                pattern=pl.Series(PATTERNS).gather(events.fraud[planted]),
            )
        )
        n = writer.source(landing.EVENTS, frame, day)
        n += writer.source(landing.TRANSACTIONS, txns, day)
        n += writer.source(landing.SNAPSHOTS, snap, day)
        clock.done(f"day {day.isoformat()}", n)
    _write_risk_truth(writer, w, sim, pl.concat(fraud))


def _write_risk_truth(writer: _Writer, w: World, sim: Simulator, fraud: pl.DataFrame) -> None:
    """The planted fraud events, the mules and the planted arrears (generate.fraud)."""
    p = w.people
    writer.truth("fraud_events", fraud)
    writer.truth("mules", pl.DataFrame({"customer_id": customer_ids(p.n, sim.fraud.mules)}))
    late = np.flatnonzero(p.overdue_from < NEVER)
    writer.truth(
        "overdue",
        pl.DataFrame(
            {
                "customer_id": customer_ids(p.n, late),
                "overdue_from": dates(p.overdue_from[late]),
                "community_id": ids("K", w.circles.circle[late], 5),
            }
        ),
    )
