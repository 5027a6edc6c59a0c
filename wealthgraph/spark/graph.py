"""The customer graph in Spark: the work that needs every shard's customers at once.

A customer's events live in their shard, but an edge joins two customers who may live in two
shards, and PageRank moves rank along every edge on every iteration. So three steps run here:

- :func:`edge_weights`: events (and friendships and group memberships) of every shard into one
  undirected weighted edge per customer pair, the ``customer`` rows of ``graph.edges``
  (``sql/graph/edge_days.sql`` and ``sql/graph/edges.sql``) in DataFrames, tie strength included.
- :func:`pagerank`: weighted PageRank by DataFrame iterations, the fixed point of the fast path
  (:func:`wealthgraph.graph.pagerank.pagerank`).
- :func:`leiden_communities`: the edge list collected to one node and cut by the fast path's own
  Leiden. :func:`label_propagation` is the all-Spark alternative, kept for comparison: it
  optimises no modularity and has no resolution, and on the sample its modularity is 12%
  below Leiden's (0.58 against 0.66, ``tests/spark/test_graph.py``), far outside the 2% the
  Spark path must keep; an edge list fits one node long after the events behind it do not.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from wealthgraph.config import GRAPH, GraphConfig
from wealthgraph.graph.communities import leiden, to_igraph
from wealthgraph.graph.edgelist import index_edges
from wealthgraph.spark.frames import to_polars

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

MONEY = ("transfer", "red_packet", "aa_bill")
INTERACTIONS = ("message_friend", *MONEY)
FRIEND_CHANGES = ("friend_add", "friend_remove")


def _type_weight(config: GraphConfig) -> Column:
    from pyspark.sql import functions as F

    event = F.col("event_type")
    return (
        F.when(event == "message_friend", F.lit(config.message_weight))
        .when(event == "transfer", F.lit(config.transfer_weight))
        .when(event == "red_packet", F.lit(config.red_packet_weight))
        .otherwise(F.lit(config.aa_bill_weight))
    )


def edge_weights(
    spark: SparkSession,
    events: DataFrame,
    as_of: dt.date,
    friendships: DataFrame | None = None,
    memberships: DataFrame | None = None,
    config: GraphConfig = GRAPH,
) -> DataFrame:
    """Customer-to-customer edges as of the end of ``as_of``, one row per pair (src < dst).

    ``events``: ``user_id``, ``target_id``, ``event_type``, ``amount``, ``ts`` (core.events or
    its shards; other columns and event types are ignored). ``friendships``: ``customer_id``,
    ``friend_id``, ``since`` (core.friendships, the state at the window's start; None: nobody).
    ``memberships``: ``customer_id``, ``group_id`` as of ``as_of`` (graph.memberships; None: no
    shared groups). An event's day is the day of its ``ts`` (staging guarantees it is the
    file's day). Columns as graph.edges' customer rows: ``relation`` (friend | contact),
    ``is_tie``, message counts per direction, money counts and amounts, ``shared_groups``,
    ``decayed_interactions`` (the interactions' type weights decayed to ``as_of``) and
    ``tie_strength`` (:class:`~wealthgraph.config.GraphConfig`'s formula). Manager edges are
    left out: they join a customer to a manager, not two shards' customers.
    """
    from pyspark.sql import functions as F

    del spark  # the frames carry their session; every Spark step here takes it first
    day = F.to_date("ts")
    # the day's end, then whole days to as_of: the two steps of edge_days.sql and edges.sql,
    # so a daily job can keep the per-day sums and decay them again tomorrow
    day_end = F.unix_timestamp(F.to_timestamp(F.date_add(day, 1)))
    to_day_end = F.pow(
        F.lit(0.5), (day_end - F.unix_timestamp("ts")) / 86400.0 / config.half_life_days
    )
    pairwise = events.where(
        F.col("event_type").isin(*INTERACTIONS, *FRIEND_CHANGES)
        & F.col("user_id").isNotNull()
        & F.col("target_id").isNotNull()
        & (day <= F.lit(as_of))
    ).select(
        F.least("user_id", "target_id").alias("src_id"),
        F.greatest("user_id", "target_id").alias("dst_id"),
        (F.col("user_id") < F.col("target_id")).alias("forward"),
        "event_type",
        "amount",
        "ts",
        day.alias("day"),
    )

    interaction = F.col("event_type").isin(*INTERACTIONS)
    friend_change = F.col("event_type").isin(*FRIEND_CHANGES)
    is_message = F.col("event_type") == "message_friend"

    def money(kind: str) -> list[Column]:
        is_kind = F.col("event_type") == kind
        return [
            F.count(F.when(is_kind, 1)).alias(f"{kind}_count"),
            F.coalesce(F.sum(F.when(is_kind, F.col("amount"))), F.lit(0)).alias(f"{kind}_amount"),
        ]

    # one row per pair and day, as graph.edge_days: both the evidence and the friend changes
    # are read from it, so Spark shuffles the events once and reuses that for both
    by_day = pairwise.groupBy("src_id", "dst_id", "day").agg(
        F.count(F.when(interaction, 1)).alias("interactions"),
        F.count(F.when(is_message & F.col("forward"), 1)).alias("messages_src_to_dst"),
        F.count(F.when(is_message & ~F.col("forward"), 1)).alias("messages_dst_to_src"),
        *(column for kind in MONEY for column in money(kind)),
        F.sum(F.when(interaction, _type_weight(config) * to_day_end)).alias("decayed"),
        # max_by passes over rows whose ordering is null: only friend changes take part
        F.max_by("event_type", F.when(friend_change, F.col("ts"))).alias("friend_change"),
        F.max(F.when(friend_change, F.col("ts"))).alias("friend_change_at"),
    )
    to_as_of = F.pow(F.lit(0.5), F.datediff(F.lit(as_of), "day") / config.half_life_days)
    counts = [
        "messages_src_to_dst",
        "messages_dst_to_src",
        *(f"{kind}_{what}" for kind in MONEY for what in ("count", "amount")),
    ]
    evidence = (
        by_day.where(F.col("interactions") > 0)
        .groupBy("src_id", "dst_id")
        .agg(
            *(F.sum(c).alias(c) for c in counts),
            F.sum(F.col("decayed") * to_as_of).alias("decayed_interactions"),
            F.lit(True).alias("has_evidence"),
        )
    )

    # friends as of as_of: the window's starting state, overridden by each pair's last change
    changes = (
        by_day.where(F.col("friend_change").isNotNull())
        .groupBy("src_id", "dst_id")
        .agg(F.max_by("friend_change", "friend_change_at").alias("last_change"))
    )
    if friendships is None:
        friends = changes
    else:
        initial = (
            friendships.where(F.col("since") <= F.lit(as_of))
            .select(
                F.least("customer_id", "friend_id").alias("src_id"),
                F.greatest("customer_id", "friend_id").alias("dst_id"),
            )
            .distinct()
        )
        friends = initial.join(changes, ["src_id", "dst_id"], "full")
    friends = friends.select(
        "src_id",
        "dst_id",
        (F.coalesce(F.col("last_change"), F.lit("friend_add")) == "friend_add").alias("is_friend"),
    )

    pairs = (
        friends.join(evidence, ["src_id", "dst_id"], "full")
        .withColumn("is_friend", F.coalesce(F.col("is_friend"), F.lit(False)))
        .where(F.col("is_friend") | F.col("has_evidence").isNotNull())
    )
    if memberships is None:
        pairs = pairs.withColumn("shared_groups", F.lit(0).cast("bigint"))
    else:
        m1 = memberships.select(F.col("customer_id").alias("src_id"), "group_id")
        m2 = memberships.select(F.col("customer_id").alias("dst_id"), "group_id")
        shared = (
            pairs.select("src_id", "dst_id")
            .join(m1, "src_id")
            .join(m2, ["dst_id", "group_id"])
            .groupBy("src_id", "dst_id")
            .agg(F.count(F.lit(1)).alias("shared_groups"))
        )
        pairs = pairs.join(shared, ["src_id", "dst_id"], "left").withColumn(
            "shared_groups", F.coalesce(F.col("shared_groups"), F.lit(0).cast("bigint"))
        )

    decayed = F.coalesce(F.col("decayed_interactions"), F.lit(0.0))
    return pairs.select(
        "src_id",
        "dst_id",
        F.when(F.col("is_friend"), F.lit("friend")).otherwise(F.lit("contact")).alias("relation"),
        F.col("is_friend").alias("is_tie"),
        *(F.coalesce(F.col(c), F.lit(0)).alias(c) for c in counts),
        "shared_groups",
        decayed.alias("decayed_interactions"),
        (
            config.friend_weight * F.col("is_friend").cast("int")
            + config.group_weight * F.least(F.col("shared_groups"), F.lit(3))
            + F.log1p(decayed)
        ).alias("tie_strength"),
    )


def _undirected(edges: DataFrame, weight: str) -> tuple[DataFrame, DataFrame]:
    """``(nodes, arcs)`` the way :func:`~wealthgraph.graph.edgelist.index_edges` reads an edge
    frame: self-loops dropped (their endpoints still nodes), ``(a, b)`` and ``(b, a)`` one
    pair with weights summed; then each pair as two arcs ``src -> dst``."""
    from pyspark.sql import functions as F

    ends = edges.select(F.col("src_id").alias("a"), F.col("dst_id").alias("b"), F.col(weight))
    nodes = (
        ends.select(F.col("a").alias("node_id"))
        .union(ends.select(F.col("b").alias("node_id")))
        .distinct()
    )
    pairs = (
        ends.where(F.col("a") != F.col("b"))
        .groupBy(F.least("a", "b").alias("lo"), F.greatest("a", "b").alias("hi"))
        .agg(F.sum(F.col(weight).cast("double")).alias("w"))
    )
    arcs = pairs.select(F.col("lo").alias("src"), F.col("hi").alias("dst"), "w").union(
        pairs.select(F.col("hi").alias("src"), F.col("lo").alias("dst"), "w")
    )
    return nodes, arcs


def pagerank(
    spark: SparkSession,
    edges: DataFrame,
    damping: float = 0.85,
    tol: float = 1e-9,
    max_iter: int = 500,
    check_every: int = 5,
    weight: str = "weight",
) -> DataFrame:
    """Weighted PageRank of the undirected graph ``edges`` (``src_id``, ``dst_id``, ``weight``
    >= 0): ``node_id``, ``pagerank`` summing to 1, the fixed point of the fast path.

    As there, each pair is two arcs, a node leaves along its edges in proportion to weight,
    teleport is uniform, a node without weight (dangling) jumps uniformly, and the iteration
    starts from the uniform vector. It runs in the linear-system form,
    ``y <- damping * P^T y + (1 - damping) / n``, which lets dangling mass leak instead of
    spreading it: the spread adds the same scalar to every node, so ``y / sum(y)`` is the same
    fixed point, and with no dangling node (every node of a tie graph has a tie) every iterate
    is the fast path's own. So an iteration needs no global sum: one join and one group-by,
    then ``localCheckpoint`` so the plan does not grow. Every ``check_every`` iterations the
    L1 change of ``y`` is read; once it is below ``tol`` the L1 error is at most about
    ``tol * damping / (1 - damping)`` (the fast path's stopping rule, at its own ``tol``).
    """
    from pyspark.sql import functions as F

    del spark  # the frames carry their session
    if not 0 < damping < 1:
        raise ValueError(f"damping must be in (0, 1), not {damping}")
    if max_iter < 1 or check_every < 1:
        raise ValueError(f"max_iter and check_every must be positive: {max_iter}, {check_every}")
    nodes, arcs = _undirected(edges, weight)
    nodes = nodes.localCheckpoint()
    n = nodes.count()
    if n == 0:
        return nodes.select("node_id", F.lit(0.0).alias("pagerank"))
    strength = arcs.groupBy("src").agg(F.sum("w").alias("strength"))
    out = (
        # zero-weight arcs carry nothing, and dropping them keeps 0/0 out of the normalisation
        arcs.where(F.col("w") > 0)
        .join(strength, "src")
        .select("src", "dst", (F.col("w") / F.col("strength")).alias("p"))
        # one arc of weight 0 into every node, so the group-by yields every node (isolated and
        # dangling ones included) and no join back to the node list is needed
        .union(
            nodes.select(F.col("node_id").alias("src"), F.col("node_id").alias("dst"), F.lit(0.0))
        )
        .localCheckpoint()
    )
    teleport = (1.0 - damping) / n

    def step(y: DataFrame) -> DataFrame:
        # joined by column name: these frames share one lineage, where frame["column"]
        # references can be ambiguous to Spark
        return (
            out.join(y.withColumnRenamed("node_id", "src"), "src")
            .groupBy(F.col("dst").alias("node_id"))
            .agg((damping * F.sum(F.col("p") * F.col("y")) + teleport).alias("y"))
            .localCheckpoint()
        )

    y = nodes.select("node_id", F.lit(1.0 / n).alias("y")).localCheckpoint()
    for done in range(1, max_iter + 1):
        before, y = y, step(y)
        if done % check_every and done < max_iter:
            continue
        change = (
            y.join(before.withColumnRenamed("y", "before"), "node_id")
            .agg(F.sum(F.abs(F.col("y") - F.col("before"))))
            .first()[0]
        )
        if change < tol:
            total = y.agg(F.sum("y")).first()[0]
            return y.select("node_id", (F.col("y") / total).alias("pagerank"))
    raise RuntimeError(
        f"pagerank did not reach L1 change < {tol} in {max_iter} iterations ({change:.3g})"
    )


def label_propagation(spark: SparkSession, edges: DataFrame, max_iter: int = 20) -> DataFrame:
    """Weighted label propagation in DataFrames: ``node_id``, ``community_id`` (a node id).

    Every node starts in its own community and, on each round, half the nodes (alternately,
    by a hash of the id) take the label with the most edge weight among their neighbours, a tie
    going to the node's own label and then to the smallest, until no label changes or
    ``max_iter`` rounds. Cheap and all-Spark, but it optimises nothing: kept to measure against
    Leiden, not used by the pipeline.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    del spark  # the frames carry their session
    nodes, arcs = _undirected(edges, "weight")
    arcs = arcs.where(F.col("w") > 0)
    # each node also votes for its own label with a weight far below any edge's: it breaks a
    # tie toward staying (fewer label swaps back and forth) without a join to the node's label
    least = arcs.agg(F.min("w")).first()[0] or 1.0
    arcs = arcs.union(
        nodes.select(
            F.col("node_id").alias("src"), F.col("node_id").alias("dst"), F.lit(least * 1e-9)
        )
    ).localCheckpoint()
    labels = nodes.select("node_id", F.col("node_id").alias("label")).localCheckpoint()
    quiet = 0
    best = Window.partitionBy("dst").orderBy(F.col("score").desc(), F.col("label"))
    # all nodes moving at once swap labels back and forth on every round (a few hundred of
    # the sample's 2,000 never settle); moving half of them per round, by a hash of the id,
    # lets each half see the other's settled labels
    half = F.pmod(F.xxhash64("node_id"), F.lit(2))
    for round_ in range(max_iter):
        # each round is built from the arcs and the last round's labels only (a union, no
        # join): a join of the labels with anything derived from themselves would square
        # Spark's size estimate every round, since checkpoints keep their origin's statistics
        moving = (
            arcs.join(labels.withColumnRenamed("node_id", "src"), "src")
            .groupBy("dst", "label")
            .agg(F.sum("w").alias("score"))
            .withColumn("rank", F.row_number().over(best))
            .where(F.col("rank") == 1)
            .select(F.col("dst").alias("node_id"), "label")
            .where(half == round_ % 2)
        )
        updated = moving.union(labels.where(half != round_ % 2)).localCheckpoint()
        changed = (
            updated.join(labels.withColumnRenamed("label", "old"), "node_id")
            .where(F.col("label") != F.col("old"))
            .count()
        )
        labels = updated
        # a round moves half the nodes: two quiet rounds in a row mean all have settled
        quiet = quiet + 1 if changed == 0 else 0
        if quiet == 2:
            break
    return labels.select("node_id", F.col("label").alias("community_id"))


def leiden_communities(
    edges: DataFrame, seed: int = GRAPH.louvain_seed, resolution: float = GRAPH.louvain_resolution
) -> pl.DataFrame:
    """Leiden communities of the Spark edge frame ``edges`` (``src_id``, ``dst_id``,
    ``weight``), computed on the driver: ``node_id``, ``community_id`` as in
    ``graph.node_metrics`` (0 the largest community).

    Only the edge list is collected (three columns, one row per pair), and it is indexed and
    cut exactly as :func:`~wealthgraph.graph.metrics.node_metrics` does, so the same edges,
    seed and resolution give the same partition as the warehouse.
    """
    frame = to_polars(edges.select("src_id", "dst_id", "weight"))
    graph = index_edges(frame)
    if graph.n == 0:
        return pl.DataFrame(schema={"node_id": frame.schema["src_id"], "community_id": pl.Int64})
    membership = leiden(to_igraph(graph), graph.weight, seed=seed, resolution=resolution)
    return pl.DataFrame({"node_id": graph.nodes, "community_id": membership})
