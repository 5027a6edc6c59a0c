"""A warehouse cut into customer shards: the per-customer tables built on each shard add up,
row for row, to the tables the single warehouse built."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipelines.shards import (
    BUILT,
    LAYOUT,
    all_published,
    build_shard,
    finish,
    published_root,
    shard_path,
)
from wealthgraph import catalog
from wealthgraph.locks import RunLockedError
from wealthgraph.shards import SHARDED_TABLES, shard_of, shard_sql, shard_views
from wealthgraph.warehouse import VOLATILE_COLUMNS, content_hash

TABLES = BUILT


@pytest.fixture(scope="module")
def sharded(sample_shards):
    return sample_shards


def assert_shards_add_up(hub: Path, shards: list[Path], table: str) -> None:
    """``table``'s rows over the shards' files are the hub's: row count and content hash."""
    with duckdb.connect(str(hub), read_only=True) as con:
        rows, digest = content_hash(con, table)
    parts = []
    for database in shards:
        with duckdb.connect(str(database), read_only=True) as con:
            parts.append(content_hash(con, table))
    assert rows > 0
    assert sum(r for r, _ in parts) == rows
    assert sum(d for _, d in parts) == digest


@pytest.mark.parametrize("table", TABLES)
def test_the_shards_add_up_to_the_single_warehouse(sharded, table):
    hub, built = sharded
    assert_shards_add_up(hub, [shard.database for shard in built], table)


def test_each_shard_holds_only_its_own_customers(sharded):
    hub, built = sharded
    assert [s.database for s in built] == [shard_path(hub, k) for k in range(4)]
    assert sum(s.customers for s in built) == 2000
    for shard in built:
        with duckdb.connect(str(shard.database), read_only=True) as con:
            ids = con.execute("select customer_id from marts.wealth_summary").fetchall()
        assert {shard_of(i, 4) for (i,) in ids} == {shard.shard}


def _latest(con, table: str) -> pl.DataFrame:
    """The table's rows the published copy serves (the latest slice of a table kept by run
    date), in a fixed order."""
    columns = [d[0] for d in con.execute(f"select * from {table} limit 0").description]
    where = f"where as_of = (select max(as_of) from {table})" if "as_of" in columns else ""
    key = ", ".join(catalog.table(table).grain)
    return con.execute(f"select * from {table} {where} order by {key}").pl()


def test_analysts_read_every_shards_published_copy_as_one_table(sharded):
    hub, _ = sharded
    with duckdb.connect(str(hub), read_only=True) as con:
        expected = {t: _latest(con, t) for t in SHARDED_TABLES}
    with duckdb.connect() as con:
        assert shard_views(con, hub.with_name(f"{hub.stem}.shards")) == list(SHARDED_TABLES)
        for table in SHARDED_TABLES:
            got = _latest(con, table).drop(VOLATILE_COLUMNS, strict=False)
            assert got.height == expected[table].height > 0
            assert_frame_equal(got, expected[table].select(got.columns), check_dtypes=False)


def test_the_layout_names_the_shards_once_all_are_built(sharded):
    hub, _ = sharded
    layout = shard_path(hub, 0).parent / LAYOUT
    assert json.loads(layout.read_text(encoding="utf-8")) == {"shards": 4}
    with duckdb.connect(str(hub), read_only=True) as con:
        as_of = con.execute("select max(as_of) from marts.wealth_summary").fetchone()[0]
    assert all_published(hub, 4, as_of)
    assert not all_published(hub, 5, as_of)  # no shard 4
    assert not all_published(hub, 4, as_of - dt.timedelta(days=1))


def test_a_smaller_layout_removes_the_shards_beyond_it(tmp_path):
    hub = tmp_path / "hub.duckdb"
    folder = shard_path(hub, 0).parent
    folder.mkdir()
    for k in range(4):
        (folder / f"shard-{k}.duckdb").write_bytes(b"")
        (folder / f"shard-{k}.published").mkdir()
    finish(hub, 2)
    assert sorted(p.name for p in folder.iterdir()) == [
        "shard-0.duckdb",
        "shard-0.published",
        "shard-1.duckdb",
        "shard-1.published",
        LAYOUT,
    ]
    assert json.loads((folder / LAYOUT).read_text(encoding="utf-8")) == {"shards": 2}


def test_a_shard_build_killed_midway_is_rebuilt_the_same(sharded, tmp_path):
    hub, built = sharded
    copy = tmp_path / "hub.duckdb"
    shutil.copyfile(hub, copy)
    code = (
        "from pathlib import Path; from pipelines.shards import build_shard; "
        f"build_shard(Path({str(copy)!r}), 2, 4)"
    )
    with (tmp_path / "log.txt").open("w") as log:
        child = subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=log)
        target = shard_path(copy, 2)
        deadline = time.monotonic() + 60
        # kill -9 once the shard's file is being written
        while not target.exists() or target.stat().st_size == 0:
            assert child.poll() is None and time.monotonic() < deadline, "never started"
            time.sleep(0.05)
        time.sleep(0.5)
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert not (shard_path(copy, 0).parent / LAYOUT).exists()  # no layout from a dead build
    rebuilt = build_shard(copy, 2, 4)
    for table in BUILT:
        with duckdb.connect(str(rebuilt.database), read_only=True) as con:
            got = content_hash(con, table)
        with duckdb.connect(str(built[2].database), read_only=True) as con:
            assert got == content_hash(con, table), table


def test_a_second_build_of_a_shard_is_refused_and_touches_nothing(sharded, tmp_path):
    hub, _ = sharded
    target = shard_path(hub, 1)
    before = target.stat().st_mtime_ns
    holder = (
        "import sys, time; from pathlib import Path; from wealthgraph.locks import run_lock\n"
        f"with run_lock(Path({str(target)!r})):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    with (tmp_path / "log.txt").open("w") as log:
        child = subprocess.Popen([sys.executable, "-c", holder], stdout=log)
    try:
        deadline = time.monotonic() + 30
        while "held" not in (tmp_path / "log.txt").read_text():
            assert child.poll() is None and time.monotonic() < deadline, "the lock was not taken"
            time.sleep(0.05)
        with pytest.raises(RunLockedError, match="another wealthgraph run is using"):
            build_shard(hub, 1, 4)
    finally:
        child.kill()
        child.wait()
    assert target.stat().st_mtime_ns == before


def test_a_shard_with_no_customers_is_refused_before_it_builds(sharded, tmp_path):
    hub = tmp_path / "hub.duckdb"
    shutil.copyfile(sharded[0], hub)
    with duckdb.connect(str(hub), read_only=True) as con:
        ids = [i for (i,) in con.execute("select customer_id from core.customers").fetchall()]
    shards = 5000  # more shards than the sample's 2,000 customers
    empty = next(k for k in range(shards) if k not in {shard_of(i, shards) for i in ids})
    with pytest.raises(ValueError) as raised:
        build_shard(hub, empty, shards)
    assert str(raised.value) == (
        f"shard {empty} of {shards} has no customers: use fewer, larger shards"
    )
    assert not published_root(hub, empty).exists()


def test_a_shard_a_day_behind_the_hub_is_refused(sharded, tmp_path):
    hub = tmp_path / "hub.duckdb"
    shutil.copyfile(sharded[0], hub)
    with duckdb.connect(str(hub)) as con:
        last = con.execute("select max(partition_date) from core.events").fetchone()[0]
        # shard 3's customers did nothing on the last day; the others did
        con.execute(
            f"delete from core.events where partition_date = ? and {shard_sql('user_id', 4)} = 3",
            [last],
        )
    with pytest.raises(
        ValueError,
        match=f"shard 3 of 4 has .* customers and none active on "
        f"the hub's day {last} \\(their last: {last - dt.timedelta(days=1)}\\)",
    ):
        build_shard(hub, 3, 4)
