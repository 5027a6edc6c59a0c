"""Datasets for the evaluation harness: Last.fm, FilmTrust and a built warehouse.

Each loader returns a :class:`~wealthgraph.recommend.harness.Dataset`; :data:`LOADERS` maps
the command line's dataset names to them, :data:`DEFAULT_SOURCES` to where they are read from.

``lastfm``
    HetRec 2011 user_artists listen counts, friends as undirected ties (``lastfm.load``); no
    times, so a random split only (the literature's protocol).
``lastfm-tagged``
    The same users and friends, interactions = the artists each user tagged (weight: tag
    assignments, time: the first day they tagged it), for chronological and time splits.
``filmtrust``
    Ratings (0.5-4) as implicit interactions weighted by the rating (``min_rating`` drops the
    low ones), trust as directed ties trustor -> trustee; no times, so a random split only.
``warehouse``
    ``features.product_interactions`` at its latest as_of, weighted as the production blend
    weighs them (:class:`~wealthgraph.config.RecommendConfig`), and ``graph.ties``; no times
    (a held product has no event time), so a random split only. The production evaluation on
    the warehouse remains ``wealthgraph.recommend.evaluate`` (replayed, time-split).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from wealthgraph.config import RECOMMEND, RecommendConfig
from wealthgraph.recommend import lastfm
from wealthgraph.recommend.harness import Dataset
from wealthgraph.settings import ROOT

SHARED = ROOT.parent / "shared" / "datasets"
FILMTRUST_RATINGS = "ratings.txt"
FILMTRUST_TRUST = "trust.txt"


def load_lastfm(src: Path = SHARED / "lastfm_hetrec2011") -> Dataset:
    """Last.fm listen counts (1,892 users x 17,632 artists) and the friend graph."""
    data = lastfm.load(Path(src))
    return Dataset(
        name="lastfm",
        interactions=data.plays,
        ties=data.ties,
        directed=False,
        user_ids=data.user_ids,
        item_ids=data.item_ids,
    )


def load_lastfm_tagged(src: Path = SHARED / "lastfm_hetrec2011") -> Dataset:
    """Artists each Last.fm user tagged, with the first day they tagged them, and friends."""
    src = Path(src)
    tagged = lastfm.read_table(src, lastfm.USER_TAGGED)
    friends = lastfm.read_table(src, lastfm.USER_FRIENDS)
    interactions = tagged.select(
        user="userID",
        item="artistID",
        weight=pl.lit(1.0),
        ts=pl.date(pl.col("year"), pl.col("month"), pl.col("day")),
    )
    ties = friends.select(src="userID", dst="friendID")
    return Dataset.from_frames("lastfm-tagged", interactions, ties, directed=False)


def _read_space_separated(path: Path, names: list[str]) -> pl.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(
            f"FilmTrust file missing: {path} (expected {FILMTRUST_RATINGS} and "
            f"{FILMTRUST_TRUST} in {path.parent})"
        )
    return pl.read_csv(path, separator=" ", has_header=False, new_columns=names)


def load_filmtrust(src: Path = SHARED / "filmtrust", min_rating: float | None = None) -> Dataset:
    """FilmTrust: 1,508 users x 2,071 films, weight = rating; trust directed trustor -> trustee.

    The three (user, film) pairs rated twice keep their mean rating. ``min_rating`` keeps only
    ratings at or above it (e.g. 3 for "liked"). Trust links to or from users without ratings
    are dropped (1,632 of the 1,853 links remain).
    """
    src = Path(src)
    ratings = _read_space_separated(src / FILMTRUST_RATINGS, ["user", "item", "rating"])
    trust = _read_space_separated(src / FILMTRUST_TRUST, ["src", "dst", "weight"])
    ratings = ratings.group_by("user", "item").agg(weight=pl.col("rating").mean())
    if min_rating is not None:
        ratings = ratings.filter(pl.col("weight") >= min_rating)
    return Dataset.from_frames("filmtrust", ratings, trust, directed=True)


def load_warehouse(
    src: Path, as_of: dt.date | None = None, config: RecommendConfig = RECOMMEND
) -> Dataset:
    """Customer x product evidence and customer ties from a built warehouse (read only)."""
    src = Path(src)
    if not src.is_file():
        raise FileNotFoundError(f"warehouse DuckDB file not found: {src}")
    with duckdb.connect(str(src), read_only=True) as con:
        day = (
            as_of
            or con.execute("select max(as_of) from features.product_interactions").fetchone()[0]
        )
        interactions = con.execute(
            "select customer_id, product_id, views, shares, buys, is_held "
            "from features.product_interactions where as_of = $1",
            [day],
        ).pl()
        ties = con.execute("select customer_id, other_id, weight from graph.ties").pl()
    frame = interactions.select(
        user="customer_id",
        item="product_id",
        weight=config.view_weight * pl.col("views")
        + config.share_weight * pl.col("shares")
        + config.buy_weight * pl.col("buys")
        + config.held_weight * pl.col("is_held").cast(pl.Float64),
    ).filter(pl.col("weight") > 0)
    edges = ties.select(src="customer_id", dst="other_id", weight=pl.col("weight").cast(pl.Float64))
    return Dataset.from_frames(f"warehouse {day}", frame, edges, directed=False)


LOADERS: dict[str, Callable[[Path], Dataset]] = {
    "lastfm": load_lastfm,
    "lastfm-tagged": load_lastfm_tagged,
    "filmtrust": load_filmtrust,
    "warehouse": load_warehouse,
}
DEFAULT_SOURCES: dict[str, Path] = {
    "lastfm": SHARED / "lastfm_hetrec2011",
    "lastfm-tagged": SHARED / "lastfm_hetrec2011",
    "filmtrust": SHARED / "filmtrust",
    "warehouse": ROOT / "warehouse" / "wealthgraph.duckdb",
}


def load(name: str, src: Path | None = None) -> Dataset:
    """The dataset ``name`` of :data:`LOADERS`, from ``src`` or its default place."""
    if name not in LOADERS:
        raise ValueError(f"unknown dataset {name!r}; one of {', '.join(LOADERS)}")
    return LOADERS[name](Path(src) if src is not None else DEFAULT_SOURCES[name])
