"""Customer shards: one hash in Python, DuckDB and (tests/spark) Spark; a landed day split by
shard loses no line and changes no byte."""

from __future__ import annotations

import datetime as dt
import gzip

import duckdb
import pytest

from wealthgraph import landing
from wealthgraph.settings import ROOT
from wealthgraph.shards import CUSTOMER_FIELD, shard_of, shard_sql, split_day

SAMPLE = ROOT / "data_samples"
DAY = dt.date(2026, 10, 15)


def test_python_and_duckdb_agree_and_spread_evenly():
    ids = [f"C{i:07d}" for i in range(1, 20_001)]
    with duckdb.connect() as con:
        con.execute("create table t as select unnest(?::varchar[]) as id", [ids])
        got = [s for (s,) in con.execute(f"select {shard_sql('id', 4)} from t").fetchall()]
    assert got == [shard_of(i, 4) for i in ids]
    counts = [got.count(k) for k in range(4)]
    assert max(counts) / min(counts) < 1.1


def lines(path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode().splitlines()


@pytest.mark.parametrize("source", sorted(CUSTOMER_FIELD))
def test_a_split_day_keeps_every_line_in_its_customers_shard(source, tmp_path):
    counts = split_day(SAMPLE, source, DAY, 4, tmp_path)
    original = lines(landing.source_path(SAMPLE, landing.SOURCES[source], DAY))
    assert sum(counts.values()) == len(original)
    seen = []
    field = CUSTOMER_FIELD[source]
    for k in range(4):
        part = lines(landing.source_path(tmp_path / f"shard-{k}", landing.SOURCES[source], DAY))
        assert len(part) == counts[k] > 0
        with duckdb.connect() as con:
            ids = con.execute(
                f"select json_extract_string(l, '$.{field}') from unnest(?::varchar[]) t(l)",
                [part],
            ).fetchall()
        assert {shard_of(i, 4) for (i,) in ids} == {k}
        seen += part
    assert sorted(seen) == sorted(original)  # byte for byte


def test_a_line_that_is_not_json_goes_to_shard_zero_and_is_kept(tmp_path):
    src = tmp_path / "landing"
    path = landing.source_path(src, landing.EVENTS, DAY)
    path.parent.mkdir(parents=True)
    good = '{"event_id":"E1","user_id":"C0000006"}'
    path.write_bytes(gzip.compress(f"{good}\n{{not json\n".encode()))
    counts = split_day(src, "events", DAY, 4, tmp_path / "out")
    assert counts[0] == 1 and sum(counts.values()) == 2
    assert lines(landing.source_path(tmp_path / "out" / "shard-0", landing.EVENTS, DAY)) == [
        "{not json"
    ]
