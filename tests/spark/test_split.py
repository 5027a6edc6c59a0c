"""Splitting a landed day by customer shard in Spark loses, adds and changes nothing, and puts
every line in its customer's shard (wealthgraph.shards.shard_of, the Python definition)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, sample_days
from wealthgraph import landing
from wealthgraph.shards import shard_of
from wealthgraph.spark.split import CUSTOMER_FIELD, UNPLACED_SHARD, shard_dir, split_day

SHARDS = 4

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")


def read_lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return lines.read().splitlines()


def as_rows(lines: list[str]) -> Counter[str]:
    """The multiset of parsed rows (each dict in a canonical text, so it can be counted)."""
    return Counter(json.dumps(json.loads(line), sort_keys=True) for line in lines)


@pytest.mark.parametrize("source_name", sorted(CUSTOMER_FIELD))
def test_split_one_sample_day(spark, tmp_path: Path, source_name: str):
    source = landing.SOURCES[source_name]
    day = sample_days()[0]  # the first day of events, which every daily source has
    landed = read_lines(landing.source_path(SAMPLE, source, day))
    counts = split_day(spark, SAMPLE, source_name, day, SHARDS, tmp_path)
    print(f"{source_name} {day}: {len(landed)} rows -> {counts}")

    assert sorted(counts) == list(range(SHARDS))
    assert sum(counts.values()) == len(landed)
    written: list[str] = []
    for shard in range(SHARDS):
        lines = read_lines(landing.source_path(shard_dir(tmp_path, shard), source, day))
        assert len(lines) == counts[shard]
        rows = [json.loads(line) for line in lines]
        assert {shard_of(row[CUSTOMER_FIELD[source_name]], SHARDS) for row in rows} <= {shard}
        # fields in the contract's order, as landed
        assert all(list(row) == list(source.fields) for row in rows)
        # the landed order within the shard
        mine = set(lines)
        assert lines == [line for line in landed if line in mine]
        written += lines
    assert as_rows(written) == as_rows(landed)
    assert Counter(written) == Counter(landed)  # byte for byte, not only equal when parsed
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith("shard-")]  # no leftovers


def test_lines_without_a_customer_are_kept_and_nothing_is_retyped(spark, tmp_path: Path):
    day = dt.date(2026, 10, 2)
    lines = [
        '{"txn_id":"T1","customer_id":"C0000001","amount":12.50,"note":"kept"}',
        '{"txn_id":"T2","customer_id":"C0000002","amount":null}',
        '{"txn_id":"T3","customer_id":null,"amount":1}',
        "not json at all",
        '{"customer_id":"C0000001","txn_id":"T4","amount":1e3}',
    ]
    path = landing.source_path(tmp_path / "landing", landing.TRANSACTIONS, day)
    path.parent.mkdir(parents=True)
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")

    counts = split_day(spark, tmp_path / "landing", "transactions", day, 3, tmp_path / "out")

    by_shard = {
        shard: read_lines(
            landing.source_path(shard_dir(tmp_path / "out", shard), landing.TRANSACTIONS, day)
        )
        for shard in range(3)
    }
    assert {shard: len(got) for shard, got in by_shard.items()} == counts
    expected = {shard: [] for shard in range(3)}
    for line, customer in zip(lines, ["C0000001", "C0000002", None, None, "C0000001"], strict=True):
        expected[UNPLACED_SHARD if customer is None else shard_of(customer, 3)].append(line)
    assert by_shard == expected


def test_split_refuses_what_it_cannot_split(spark, tmp_path: Path):
    with pytest.raises(ValueError, match="only daily sources"):
        split_day(spark, SAMPLE, "customers", dt.date(2026, 10, 2), 2, tmp_path)
    with pytest.raises(FileNotFoundError, match="no landed events file for 1999-01-01"):
        split_day(spark, SAMPLE, "events", dt.date(1999, 1, 1), 2, tmp_path)
