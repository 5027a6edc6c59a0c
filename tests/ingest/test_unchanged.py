"""A reference file that has not changed since its last ingest is not ingested again, unless
a file its lookups read changed (then its rows may be accepted or refused differently)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import build_definitions
from pipelines.run import failures, materialize_range
from wealthgraph import landing
from wealthgraph.ingest import file_counts
from wealthgraph.ingest.unchanged import reference_key
from wealthgraph.settings import Settings

CUSTOMERS, FRIENDSHIPS = landing.SOURCES["customers"], landing.SOURCES["friendships"]
PRODUCTS = landing.SOURCES["products"]


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]


def _write(path: Path, rows: list[dict]) -> None:
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))


def test_the_key_follows_the_file_and_the_files_its_lookups_read(one_day_landing, tmp_path):
    root, _ = one_day_landing
    keys = {s.name: reference_key(root, s) for s in landing.REFERENCE_SOURCES}
    assert all(keys.values()) and len(set(keys.values())) == len(keys)
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    assert {s.name: reference_key(copy, s) for s in landing.REFERENCE_SOURCES} == keys
    # one customer fewer: the customers' key moves, and so do the keys of what looks them up
    path = landing.source_path(copy, CUSTOMERS)
    _write(path, _rows(path)[1:])
    assert reference_key(copy, CUSTOMERS) != keys["customers"]
    assert reference_key(copy, FRIENDSHIPS) != keys["friendships"]
    assert reference_key(copy, PRODUCTS) == keys["products"]
    path.unlink()
    assert reference_key(copy, CUSTOMERS) is None
    assert reference_key(copy, FRIENDSHIPS) is None


def _ingest(settings: Settings) -> dict[str, int]:
    """The ingest assets over the landing; return each reference source's files ingested."""
    full = build_definitions(settings)
    job = dg.define_asset_job("main_job", selection=dg.AssetSelection.groups("ingest"))
    defs = dg.Definitions(
        assets=full.assets, jobs=[job], resources=full.resources, executor=dg.in_process_executor
    )
    result = materialize_range(settings, defs=defs)
    assert result.success, failures(result)
    files = {}
    for event in result.get_asset_materialization_events():
        key = event.asset_key.path
        if key[0] == "raw" and key[1] in {s.name for s in landing.REFERENCE_SOURCES}:
            files[key[1]] = event.materialization.metadata["files"].value
    return files


@pytest.fixture
def warehouse(one_day_landing, tmp_path) -> Settings:
    root, _ = one_day_landing
    return Settings(landing=root, database=tmp_path / "wh.duckdb")


def test_an_unchanged_reference_file_keeps_its_rows(warehouse):
    first = _ingest(warehouse)
    assert set(first.values()) == {1}
    with duckdb.connect(str(warehouse.database), read_only=True) as con:
        before = con.execute("select count(*) from core.friendships").fetchone()[0]
    again = _ingest(warehouse)
    assert set(again.values()) == {0}, again
    with duckdb.connect(str(warehouse.database), read_only=True) as con:
        assert con.execute("select count(*) from core.friendships").fetchone()[0] == before
        # the balance of the last ingest still holds for every kept file
        counts = [c for s in landing.REFERENCE_SOURCES for c in file_counts(con, s)]
    assert len(counts) == len(landing.REFERENCE_SOURCES)
    assert all(c.balanced for c in counts)


def test_a_changed_lookup_ingests_what_looks_it_up_again(warehouse):
    _ingest(warehouse)
    path = landing.source_path(warehouse.landing, CUSTOMERS)
    friends = _rows(landing.source_path(warehouse.landing, FRIENDSHIPS))
    gone = friends[0]["customer_id"]
    _write(path, [row for row in _rows(path) if row["customer_id"] != gone])
    again = _ingest(warehouse)
    assert again["customers"] == again["friendships"] == again["group_members"] == 1
    assert again["products"] == again["branches"] == 0
    with duckdb.connect(str(warehouse.database), read_only=True) as con:
        refused = con.execute(
            "select count(*) from staging.friendships where reject_reason like 'unknown %'"
            " and (customer_id = ? or friend_id = ?)",
            [gone, gone],
        ).fetchone()[0]
    assert refused > 0
