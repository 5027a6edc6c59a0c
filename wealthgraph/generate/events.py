"""A columnar batch of events (numpy arrays of codes) and its conversion to landing rows."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import polars as pl
from numpy.random import Generator

from wealthgraph import landing

from .common import DAY_S, id_width, ids, money, nullify, timestamps
from .vocab import ARTICLE_COMMENTS, RATING_COMMENTS

ETYPES = tuple(landing.EVENT_TYPES)
ET = {name: i for i, name in enumerate(ETYPES)}
TARGET_KINDS = ("customer", "manager", "group", "service", "official_account", "article", "product")
_KIND_OF = np.array(
    [
        TARGET_KINDS.index(kind) if kind is not None else -1
        for kind, _ in landing.EVENT_TYPES.values()
    ]
)
COMMENTS = (*(c for per in RATING_COMMENTS for c in per), *ARTICLE_COMMENTS)
RATING_COMMENT_START = np.cumsum([0] + [len(per) for per in RATING_COMMENTS])
ARTICLE_COMMENT_START = sum(len(per) for per in RATING_COMMENTS)


@dataclass
class Events:
    """Events as parallel arrays; ``-1`` means "none" (``rating`` uses 0)."""

    ts: np.ndarray
    user: np.ndarray
    etype: np.ndarray
    target: np.ndarray
    manager: np.ndarray
    via: np.ndarray
    amount: np.ndarray  # cents
    category: np.ndarray
    rating: np.ndarray
    comment: np.ndarray
    channel: np.ndarray
    device: np.ndarray
    city: np.ndarray
    device_id: np.ndarray  # an attacker's device; -1: the user's own (fraud.device_ids)
    fraud: np.ndarray  # fraud.PATTERNS index of planted fraud, -1 otherwise

    @classmethod
    def make(cls, ts, user, etype, **cols) -> Events:
        """Build a batch; unspecified columns are "none" and ``etype`` may be a scalar name."""
        n = len(user)
        if isinstance(etype, str):
            etype = np.full(n, ET[etype], dtype=np.int16)
        data = {"ts": ts, "user": user, "etype": etype}
        for f in fields(cls):
            if f.name in data:
                continue
            value = cols.get(f.name)
            default = 0 if f.name == "rating" else -1
            data[f.name] = np.full(n, default, dtype=np.int64) if value is None else value
        return cls(**{k: np.asarray(v, dtype=np.int64) for k, v in data.items()})

    @classmethod
    def empty(cls) -> Events:
        """A batch with no rows."""
        z = np.zeros(0, dtype=np.int64)
        return cls.make(z, z, z)

    @classmethod
    def concat(cls, parts: list[Events]) -> Events:
        """Stack batches in order."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, index: np.ndarray) -> Events:
        """Rows by boolean mask or index array."""
        return Events(*(getattr(self, f.name)[index] for f in fields(self)))

    def of(self, name: str) -> np.ndarray:
        """Mask of rows of one event type."""
        return self.etype == ET[name]

    def fill_context(self, rng: Generator, device, channel, city, n_city: int) -> None:
        """Channel, device and city for rows that have none: mostly the user's usual ones."""
        todo = self.device < 0
        if not todo.any():
            return
        u = self.user[todo]
        dev = np.where(rng.random(len(u)) < 0.93, device[u], rng.integers(0, 3, len(u)))
        chan = np.where(dev == 2, 1, np.where(dev == device[u], channel[u], 0))
        travel = rng.random(len(u)) < 0.03
        cty = np.where(travel, rng.integers(0, n_city, len(u)), city[u])
        self.device[todo] = dev
        self.channel[todo] = chan
        self.city[todo] = cty

    def sorted(self) -> Events:
        """Chronological order; ties keep generation order, so output is reproducible."""
        return self.take(np.lexsort((self.user, self.ts)))

    def split_by_day(self, first_day_s: int) -> dict[int, Events]:
        """Rows grouped by day offset from ``first_day_s`` (seconds)."""
        day = (self.ts - first_day_s) // DAY_S
        out = {}
        for k in np.unique(day).tolist():
            out[int(k)] = self.take(day == k)
        return out


@dataclass(frozen=True)
class IdWidths:
    """Digits in each id family (the documented widths unless a population needs more)."""

    customer: int
    manager: int
    group: int
    article: int
    product: int
    device: int

    @classmethod
    def of(
        cls, customers: int, managers: int, groups: int, articles: int, products: int, devices: int
    ):
        """Widths for the given population sizes."""
        return cls(
            id_width(7, customers),
            id_width(4, managers),
            id_width(5, groups),
            id_width(5, articles),
            id_width(4, products),
            id_width(8, devices),
        )


def events_frame(e: Events, first_id: int, widths: IdWidths, cities: list[str]) -> pl.DataFrame:
    """Landing rows for a day's sorted events; event ids continue from ``first_id``."""
    n = len(e)
    kind = np.where(e.etype >= 0, _KIND_OF[e.etype], -1)
    has_target = (kind >= 0) & ((e.target >= 0) | (kind == TARGET_KINDS.index("service")))
    prefix = np.array(["C", "M", "G", "", "OA", "A", "P"])
    width = np.array(
        [widths.customer, widths.manager, widths.group, 0, 3, widths.article, widths.product]
    )
    k = np.maximum(kind, 0)
    frame = pl.DataFrame(
        {
            "k": pl.Series(k, dtype=pl.Int64),
            "num": pl.Series(e.target + 1, dtype=pl.Int64),
            "prefix": pl.Series(prefix[k]),
            "width": pl.Series(width[k], dtype=pl.Int64),
        }
    )
    service = TARGET_KINDS.index("service")
    target = frame.select(
        pl.when(pl.col("k") == service)
        .then(pl.lit(landing.SERVICE_DESK_ID))
        .otherwise(pl.col("prefix") + pl.col("num").cast(pl.String).str.zfill(pl.col("width")))
    ).to_series()
    comments = pl.Series(COMMENTS).gather(np.maximum(e.comment, 0))
    return pl.DataFrame(
        {
            "event_id": ids("E", np.arange(first_id, first_id + n), 10),
            "ts": timestamps(e.ts),
            "user_id": ids("C", e.user, widths.customer),
            "event_type": pl.Series(ETYPES).gather(e.etype),
            "target_id": nullify(target, has_target),
            "manager_id": ids("M", e.manager, widths.manager),
            "via_user_id": ids("C", e.via, widths.customer),
            "amount": money(e.amount, e.amount >= 0),
            "category": nullify(
                pl.Series(landing.SCENARIOS).gather(np.maximum(e.category, 0)), e.category >= 0
            ),
            "rating": nullify(pl.Series(e.rating, dtype=pl.Int64), e.rating > 0),
            "comment": nullify(comments, e.comment >= 0),
            "channel": pl.Series(landing.CHANNELS).gather(e.channel),
            "device": pl.Series(landing.DEVICES).gather(e.device),
            # a customer's own phone, tablet or browser, or an attacker's device
            "device_id": ids(
                "D", np.where(e.device_id >= 0, e.device_id, 3 * e.user + e.device), widths.device
            ),
            "city": pl.Series(cities).gather(e.city),
        }
    )
