"""A warehouse cut into customer shards: the per-customer tables built on each shard add up,
row for row, to the tables the single warehouse built."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pipelines.shards import SHARD_DAYS, SHARD_MONTHS, SHARD_TABLES, build_shards, shard_path
from wealthgraph.shards import shard_of
from wealthgraph.warehouse import content_hash

TABLES = (*SHARD_DAYS, *SHARD_MONTHS, *SHARD_TABLES)


@pytest.fixture(scope="module")
def sharded(sample_warehouse, tmp_path_factory):
    hub = tmp_path_factory.mktemp("hub") / "hub.duckdb"
    shutil.copyfile(sample_warehouse.database, hub)
    built = build_shards(hub, 4)
    return hub, built


@pytest.mark.parametrize("table", TABLES)
def test_the_shards_add_up_to_the_single_warehouse(sharded, table):
    hub, built = sharded
    with duckdb.connect(str(hub), read_only=True) as con:
        rows, digest = content_hash(con, table)
    parts = []
    for shard in built:
        with duckdb.connect(str(shard.database), read_only=True) as con:
            parts.append(content_hash(con, table))
    assert rows > 0
    assert sum(r for r, _ in parts) == rows
    assert sum(d for _, d in parts) == digest


def test_each_shard_holds_only_its_own_customers(sharded):
    hub, built = sharded
    assert [s.database for s in built] == [shard_path(hub, k) for k in range(4)]
    assert sum(s.customers for s in built) == 2000
    for shard in built:
        with duckdb.connect(str(shard.database), read_only=True) as con:
            ids = con.execute("select customer_id from marts.wealth_summary").fetchall()
        assert {shard_of(i, 4) for (i,) in ids} == {shard.shard}
