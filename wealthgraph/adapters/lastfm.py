"""HetRec 2011 Last.fm -> landing format: users as customers, friend pairs as friendships,
artists as articles (topic = the artist's most used tag), tag assignments as article likes.

Quirks handled: friend pairs are listed in both directions (kept once); tags.dat is latin-1;
tag rows may name artists missing from artists.dat (kept: the article is made from the tag
rows); a few tag dates fall in 1956-1979 (kept as dated).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from wealthgraph import landing

BRANCH_ID = "B001"


def customer_id(column: str) -> pl.Expr:
    """Last.fm userID -> customer id ``U<id>``."""
    return pl.format("U{}", pl.col(column).cast(pl.Int64).cast(pl.String).str.zfill(5))


def _read(path: Path, encoding: str = "utf8") -> pl.DataFrame:
    return pl.read_csv(
        path, separator="\t", encoding=encoding, quote_char=None, infer_schema_length=0
    )


# the HetRec 2011 files convert() reads
FILES = ("user_friends.dat", "user_taggedartists.dat", "tags.dat", "user_artists.dat")


FIX = "pass the unpacked hetrec2011-lastfm-2k folder"


def check_source(src: Path) -> None:
    """Raise FileNotFoundError, in one line, unless ``src`` holds the Last.fm files."""
    src = Path(src)
    if not src.is_dir():
        raise FileNotFoundError(f"no folder {src}: {FIX}")
    missing = [name for name in FILES if not (src / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{src} is not the HetRec 2011 Last.fm folder (no {', '.join(missing)}): " + FIX
        )


def convert(src: Path, out: Path, events: bool = True) -> dict[str, int]:
    """Write the landing folder ``out`` from the Last.fm files in ``src``; return row counts.

    Raises FileNotFoundError (one line) before writing anything if a file is missing.
    """
    check_source(src)
    friends = _read(src / "user_friends.dat")
    tagged = _read(src / "user_taggedartists.dat")
    tags = _read(src / "tags.dat", encoding="latin1")
    users = pl.concat(
        [friends["userID"], friends["friendID"], _read(src / "user_artists.dat")["userID"]]
    ).unique()
    first_tag_day = tagged.select(
        pl.date(pl.col("year").cast(pl.Int32), pl.col("month").cast(pl.Int32), 1).min()
    ).item()
    counts = {}
    counts["branches"] = landing.write_jsonl(
        landing.source_path(out, landing.BRANCHES),
        pl.DataFrame({"branch_id": [BRANCH_ID], "name": ["Last.fm"], "city": ["online"]}),
    )
    counts["customers"] = landing.write_jsonl(
        landing.source_path(out, landing.CUSTOMERS),
        pl.DataFrame({"userID": users.sort()}).select(
            customer_id("userID").alias("customer_id"),
            pl.lit(BRANCH_ID).alias("branch_id"),
            pl.lit(min(first_tag_day, dt.date(2005, 1, 1))).alias("registered_at"),
        ),
    )
    pairs = (
        friends.select(
            pl.min_horizontal(customer_id("userID"), customer_id("friendID")).alias("customer_id"),
            pl.max_horizontal(customer_id("userID"), customer_id("friendID")).alias("friend_id"),
        )
        .unique()
        .sort("customer_id", "friend_id")
    )
    counts["friendships"] = landing.write_jsonl(
        landing.source_path(out, landing.FRIENDSHIPS),
        pairs.with_columns(since=pl.lit(dt.date(2005, 1, 1))),
    )
    top_tag = (
        tagged.group_by("artistID", "tagID")
        .len()
        .sort("len", "tagID", descending=[True, False])
        .group_by("artistID", maintain_order=True)
        .first()
        .join(tags, on="tagID", how="left")
    )
    counts["articles"] = landing.write_jsonl(
        landing.source_path(out, landing.ARTICLES),
        top_tag.sort(pl.col("artistID").cast(pl.Int64)).select(
            pl.format("A{}", "artistID").alias("article_id"),
            pl.format("artist {}", "artistID").alias("title"),
            pl.lit("OA_LASTFM").alias("official_account_id"),
            pl.col("tagValue").fill_null("unknown").alias("topic"),
            pl.lit(first_tag_day).alias("published_at"),
        ),
    )
    for source in (landing.MANAGERS, landing.PRODUCTS, landing.GROUPS, landing.GROUP_MEMBERS):
        counts[source.name] = landing.write_jsonl(landing.source_path(out, source), [])
    if events:
        counts["events"] = _write_events(tagged, out)
    return counts


def _write_events(tagged: pl.DataFrame, out: Path) -> int:
    likes = tagged.with_row_index("n").select(
        pl.format("E{}", "n").alias("event_id"),
        pl.datetime(
            pl.col("year").cast(pl.Int32),
            pl.col("month").cast(pl.Int32),
            pl.col("day").cast(pl.Int32),
            12,
        ).alias("ts"),
        customer_id("userID").alias("user_id"),
        pl.lit("article_like").alias("event_type"),
        pl.format("A{}", "artistID").alias("target_id"),
        pl.lit("web").alias("channel"),
        pl.lit("web").alias("device"),
    )
    written = 0
    for (day,), rows in likes.group_by(pl.col("ts").dt.date(), maintain_order=False):
        written += landing.write_jsonl(landing.source_path(out, landing.EVENTS, day), rows)
    return written
