"""The Spark layer: the work that crosses customer shards, for when the bank outgrows one machine.

Everything per customer runs shard by shard on the one-machine path (DuckDB, polars, igraph,
implicit), each shard holding its customers (:mod:`wealthgraph.shards`). What needs more than one
shard's customers at once runs on Spark, here, and is tested in local mode against that path:

- :mod:`~wealthgraph.spark.split`: splitting each landed day by customer shard, next to the
  object storage it lands on, so each shard ingests only its own customers' lines.
- :mod:`~wealthgraph.spark.graph`: the whole-graph steps. Edge aggregation (every pair's
  messages, money and tie strength, ``graph.edges``' customer rows) and weighted PageRank by
  DataFrame iterations, since an edge and a rank step join customers of any two shards.
  Communities: the edge list is collected and cut by the same igraph Leiden as the warehouse,
  on one node (an edge list fits one node long after the events behind it do not); label
  propagation in DataFrames is there for comparison, well short of Leiden's modularity.
- :mod:`~wealthgraph.spark.als`: ALS item factors by Spark MLlib's implicit ALS (an item's
  factors need every user who touched it); each shard then solves its own users against those
  fixed item factors in closed form, without Spark.
- :mod:`~wealthgraph.spark.session`: a quiet ``local[N]`` session; :mod:`~wealthgraph.spark.frames`:
  tables in and out of Spark through Arrow.

pyspark is imported inside functions (it is an optional dependency group) and, as all of
``wealthgraph/``, this package never imports Dagster or ``pipelines/`` (tests/test_layering.py):
orchestration calls it, not the other way round.
"""
