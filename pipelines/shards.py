"""Customer shards: the per-customer tables built on one DuckDB file per shard.

The warehouse of a run is the hub: it ingests every landed day (ids are checked against every
customer, since a transfer may reach a customer of another shard) and builds what crosses
customers: the social graph, the product recommender's item factors, co-holding and segment
popularity, loan uptake per credit grade, the managers' and marketing marts. Each shard
(``wealthgraph.shards.shard_of``) then gets, in its own file, the hub's core rows of its own
customers, the reference tables whole and the graph rows that touch its customers, and builds
the per-customer tables there with the production code: the my-wealth tables, the profile, the
social map and the recommendations (each customer's product factors solved on the shard against
the hub's item factors), and publishes them (``<hub>.shards/shard-<k>.published``, which
``wealthgraph.shards.shard_views`` reads as one table per name, and the API serves by shard).
Those tables' rows over all shards are the hub's rows (tests/pipelines/test_shards.py), so a
shard can run on its own machine.

Topic and activity recommendations are copied from the hub, not built on the shard: their SQL
ranks a topic by what the customer's friends and community read, rows of other shards' customers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.features import assets as feature_assets
from pipelines.marts import assets as mart_assets
from pipelines.marts import wealth as wealth_marts
from pipelines.recommend import assets as recommend_assets
from pipelines.resources import Warehouse
from wealthgraph.config import sql_params
from wealthgraph.locks import run_lock
from wealthgraph.publish import PUBLISHED, publish, read_manifest
from wealthgraph.recommend import products as product_recommender
from wealthgraph.shards import SHARDED_TABLES, shard_sql
from wealthgraph.sql import build_days, build_months
from wealthgraph.warehouse import connect, latest_day, write_slice

# core tables of one customer each, by the column naming them (friendships: either end)
BY_CUSTOMER = {
    "customers": ("customer_id",),
    "events": ("user_id",),
    "snapshots": ("customer_id",),
    "transactions": ("customer_id",),
    "group_members": ("customer_id",),
    "friendships": ("customer_id", "friend_id"),
}
# the cross-customer tables a shard reads, from the hub: rows touching its customers (None:
# the whole table)
FROM_HUB = {
    "graph.edges": ("src_id", "dst_id"),
    "graph.node_metrics": ("node_id",),
    "graph.memberships": ("customer_id",),
    "graph.communities": None,
    "graph.people_you_may_know": ("customer_id",),
    "graph.social_credit": ("customer_id",),
    # what the product recommender's fit over every customer learned (pipelines/recommend)
    "recommend.product_factors": None,
    "recommend.product_cooccurrence": None,
    "recommend.segment_popularity": None,
    "recommend.loan_uptake": None,
    # ranked by friends' and circles' reading, rows of every shard: built at the hub
    "recommend.topics": ("customer_id",),
    "recommend.activities": ("customer_id",),
}
# built on each shard: kept per day, per month, then the rest in dependency order
SHARD_DAYS = {"features.user_daily_activity": "activity_date"}
SHARD_MONTHS = {"marts.wealth_history": "month"}
SHARD_TABLES = (
    "features.customers",
    "features.holdings",
    "features.finances",
    "features.engagement",
    "features.behaviour",
    "features.topic_affinity",
    "features.product_interactions",
    "marts.wealth_summary",
    "marts.wealth_advice",
    "marts.user_profile",
    "marts.social_map",
)
# built after the shard's products (``_recommend``): they read recommend.products
AFTER_PRODUCTS = ("recommend.loans", "marts.recommendations")
# every table a shard builds, in order
BUILT = (*SHARD_DAYS, *SHARD_MONTHS, *SHARD_TABLES, "recommend.products", *AFTER_PRODUCTS)
# the layout file the API routes by (wealthgraph.api.store.ShardedStore)
LAYOUT = "shards.json"


@dataclass(frozen=True)
class Shard:
    """One built shard: its file, its customers and how long it took."""

    shard: int
    database: Path
    customers: int
    seconds: float


def shard_path(hub: Path, shard: int) -> Path:
    """``<hub stem>.shards/shard-<k>.duckdb`` beside the hub's file."""
    return hub.with_name(f"{hub.stem}.shards") / f"shard-{shard}.duckdb"


def published_root(hub: Path, shard: int) -> Path:
    """``<hub stem>.shards/shard-<k>.published``: the shard's published versions."""
    return shard_path(hub, shard).with_suffix(".published")


def build_shards(hub: Path, shards: int) -> list[Shard]:
    """Build every shard of a hub warehouse whose run has finished; returns them in order."""
    if shards < 1:
        raise ValueError(f"shards must be at least 1, not {shards}")
    built = [build_shard(hub, k, shards) for k in range(shards)]
    finish(hub, shards)
    return built


def finish(hub: Path, shards: int) -> Path:
    """Once all S shards are built: the layout says S (the API routes by it from then on), and
    the files of shards numbered S or more, from an earlier layout, go. Returns the layout."""
    layout = write_layout(hub, shards)
    for path in layout.parent.glob("shard-*"):
        number = path.name.removeprefix("shard-").split(".")[0]
        if number.isdigit() and int(number) >= shards:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    return layout


def all_published(hub: Path, shards: int, as_of: dt.date) -> bool:
    """Whether each of the S shards has published a version as of ``as_of``."""
    for k in range(shards):
        root = published_root(hub, k)
        try:
            version = read_manifest(root / os.readlink(root / "current"))
        except (OSError, ValueError, KeyError):  # not published, or a broken manifest
            return False
        if str(version.as_of) != as_of.isoformat():  # the manifest keeps it as text
            return False
    return True


def write_layout(hub: Path, shards: int) -> Path:
    """``<hub stem>.shards/shards.json``, ``{"shards": S}``: how many shards the API routes
    customers to. Replaced whole (a reader sees the old file or the new one)."""
    folder = shard_path(hub, 0).parent
    folder.mkdir(parents=True, exist_ok=True)
    layout = folder / LAYOUT
    staging = layout.with_name(f".{LAYOUT}.{os.getpid()}")
    staging.write_text(json.dumps({"shards": shards}) + "\n", encoding="utf-8")
    os.replace(staging, layout)
    return layout


def build_shard(hub: Path, shard: int, shards: int) -> Shard:
    """Shard ``shard`` of ``shards``: core and hub tables of its customers, then its tables.
    One build of a shard at a time (its own run lock): a second is refused at once
    (``RunLockedError``) rather than deleting the file the first one writes."""
    target = shard_path(hub, shard)
    with run_lock(target):
        return _build(hub, shard, shards, target)


def _build(hub: Path, shard: int, shards: int, target: Path) -> Shard:
    start = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    # a build killed midway may leave its write-ahead log, which DuckDB would replay
    for leftover in (target, target.with_name(f"{target.name}.wal")):
        leftover.unlink(missing_ok=True)
    with connect(target) as con:
        con.execute(f"attach '{hub}' as hub (read_only)")
        try:
            # the hub's day, not the shard's last event: a small shard may have none that day
            first, as_of = _hub_days(con)
            _copy_from_hub(con, shard, shards)
        finally:
            con.execute("detach hub")
        customers = _check_day(con, shard, shards, as_of)
        params = {**sql_params(), "as_of": as_of}
        for table, day in SHARD_DAYS.items():
            build_days(con, *table.split("."), day, first or as_of, as_of, params)
        for table, month in SHARD_MONTHS.items():
            build_months(con, *table.split("."), month, first or as_of, params)
    _materialize(target, SHARD_TABLES)
    with connect(target) as con:
        _recommend(con, hub, as_of)
    _materialize(target, AFTER_PRODUCTS)
    with connect(target) as con:
        publish(con, published_root(hub, shard), tables={t: PUBLISHED[t] for t in SHARDED_TABLES})
    return Shard(shard, target, customers, time.perf_counter() - start)


def _check_day(con: duckdb.DuckDBPyConnection, shard: int, shards: int, as_of: dt.date) -> int:
    """The shard's customers; ValueError unless its own data reaches the hub's day: its
    per-customer assets take the day from its rows (``latest_day``), so a shard with no
    customers, or none active on the hub's day, would build nothing or a day behind."""
    (customers,) = con.execute("select count(*) from core.customers").fetchone()
    fix = "use fewer, larger shards"
    if customers == 0:
        raise ValueError(f"shard {shard} of {shards} has no customers: {fix}")
    try:
        day = latest_day(con)
    except RuntimeError:
        day = None
    if day != as_of:
        raise ValueError(
            f"shard {shard} of {shards} has {customers:,} customers and none active on the "
            f"hub's day {as_of} (their last: {day or 'never'}): {fix}"
        )
    return customers


def _hub_days(con: duckdb.DuckDBPyConnection) -> tuple[dt.date | None, dt.date]:
    """(first landed day, as-of day) of the hub attached to ``con`` as ``hub``."""
    here = con.execute("select current_database()").fetchone()[0]
    con.execute("use hub")
    try:
        first = con.execute("select min(partition_date) from core.events").fetchone()[0]
        return first, latest_day(con)
    finally:
        con.execute(f'use "{here}"')


def _recommend(con: duckdb.DuckDBPyConnection, hub: Path, as_of) -> None:
    """recommend.products for the shard's customers: their factors solved against the hub's
    item factors, scored with the hub's co-holding and popularity; what their friends on other
    shards hold (the hub's features.product_interactions) counts while it runs."""
    con.execute(f"attach '{hub}' as hub (read_only)")
    try:
        # tie partners on other shards, and their evidence, for "friends hold it"
        con.execute(
            """
            create temp table neighbours as
            select customer_id from (
                select src_id as customer_id from graph.edges where edge_kind = 'customer'
                union select dst_id from graph.edges where edge_kind = 'customer'
            )
            except select customer_id from features.product_interactions where as_of = $as_of
            """,
            {"as_of": as_of},
        )
        con.execute(
            "insert into features.product_interactions select * from "
            "hub.features.product_interactions where as_of = $as_of "
            "and customer_id in (select customer_id from neighbours)",
            {"as_of": as_of},
        )
    finally:
        con.execute("detach hub")
    try:
        inputs = product_recommender.load_inputs(con, as_of)
        factors, population = product_recommender.load_population(con, inputs)
        fitted = product_recommender.fit(inputs, item_factors=factors, population=population)
        frame = product_recommender.recommend(fitted)
    finally:
        # the shard's table holds its own customers' rows only, as the hub's does theirs
        con.execute(
            "delete from features.product_interactions where as_of = $as_of "
            "and customer_id in (select customer_id from neighbours)",
            {"as_of": as_of},
        )
    write_slice(con, "recommend.products", frame.with_columns(as_of=as_of), None)


def _copy_from_hub(con: duckdb.DuckDBPyConnection, shard: int, shards: int) -> None:
    core = [
        t
        for (t,) in con.execute(
            "select table_name from duckdb_tables() where database_name = 'hub' "
            "and schema_name = 'core' order by 1"
        ).fetchall()
    ]
    for table in core:
        where = _mine(BY_CUSTOMER.get(table), shard, shards)
        con.execute(f"insert into core.{table} select * from hub.core.{table} {where}")
    for table, columns in FROM_HUB.items():
        con.execute(
            f"create table {table} as select * from hub.{table} {_mine(columns, shard, shards)}"
        )


def _mine(columns: tuple[str, ...] | None, shard: int, shards: int) -> str:
    """A WHERE clause keeping the rows where any of ``columns`` is one of the shard's."""
    if not columns:
        return ""
    return "where " + " or ".join(f"{shard_sql(c, shards)} = {int(shard)}" for c in columns)


def _materialize(database: Path, tables: tuple[str, ...]) -> None:
    keys = {dg.AssetKey(t.split(".")) for t in tables}
    assets = [
        a
        for a in dg.load_assets_from_modules(
            [feature_assets, mart_assets, wealth_marts, recommend_assets]
        )
        if a.partitions_def is None and a.keys & keys
    ]
    result = dg.materialize(
        assets,
        selection=dg.AssetSelection.assets(*keys),
        resources={"warehouse": Warehouse(database=str(database))},
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=False,
    )
    if not result.success:
        failed = [
            f"{e.step_key}: {e.step_failure_data.error.message.strip()}"
            for e in result.all_events
            if e.is_step_failure
        ]
        raise RuntimeError(f"shard {database.name} failed: " + "; ".join(failed))
