"""The API over customer shards: each customer is served from the version their shard published
(the shard picked by the hash the shards were cut with), with the answers the single
warehouse's version gives."""

from __future__ import annotations

import secrets

import duckdb
import pytest
from fastapi.testclient import TestClient

from pipelines.shards import LAYOUT, shard_path, write_layout
from wealthgraph.api import create_app
from wealthgraph.api.store import ShardedStore
from wealthgraph.publish import PUBLISHED, publish
from wealthgraph.shards import SHARDED_TABLES, shard_of
from wealthgraph.warehouse import VOLATILE_COLUMNS

KEY = secrets.token_urlsafe(24)
HEADERS = {"X-API-Key": KEY}
ROUTES = ("recommendations", "wealth", "social-map", "people-you-may-know")


@pytest.fixture(scope="module")
def served(sample_warehouse, sample_shards):
    """(the API over the single warehouse's version, the API routing by shard, the hub)."""
    hub, _ = sample_shards
    single = TestClient(create_app(sample_warehouse.published, {KEY}))
    sharded = TestClient(create_app(sample_warehouse.published, {KEY}, shard_path(hub, 0).parent))
    return single, sharded, hub


def _steady(value):
    """``value`` without the fields that record when a row was made (they differ per build)."""
    if isinstance(value, dict):
        return {k: _steady(v) for k, v in value.items() if k not in VOLATILE_COLUMNS}
    if isinstance(value, list):
        return [_steady(v) for v in value]
    return value


def _some_customers(hub) -> list[str]:
    """The first three customers of each of the 4 shards."""
    with duckdb.connect(str(hub), read_only=True) as con:
        ids = [
            i
            for (i,) in con.execute("select customer_id from core.customers order by 1").fetchall()
        ]
    return [i for k in range(4) for i in [c for c in ids if shard_of(c, 4) == k][:3]]


def test_health_lists_every_shards_version(served):
    single, sharded, _ = served
    hub = single.get("/health").json()
    assert hub["shards"] is None
    health = sharded.get("/health").json()
    assert {k: v for k, v in health.items() if k not in ("shards", "age_seconds")} == {
        k: v for k, v in hub.items() if k not in ("shards", "age_seconds")
    }
    assert [s["shard"] for s in health["shards"]] == [0, 1, 2, 3]
    assert {s["as_of"] for s in health["shards"]} == {hub["as_of"]}
    # each shard publishes on its own: four versions, none of them the hub's
    versions = {s["version"] for s in health["shards"]}
    assert len(versions) == 4 and hub["version"] not in versions


def test_a_customer_gets_their_shards_version_with_the_single_warehouses_answers(served):
    single, sharded, hub = served
    shard_versions = [s["version"] for s in sharded.get("/health").json()["shards"]]
    for customer in _some_customers(hub):
        for route in ROUTES:
            got = sharded.get(f"/customers/{customer}/{route}", headers=HEADERS)
            expected = single.get(f"/customers/{customer}/{route}", headers=HEADERS)
            assert got.status_code == expected.status_code == 200, (customer, route, got.text)
            body, want = got.json(), expected.json()
            assert body.pop("version") == shard_versions[shard_of(customer, 4)]
            want.pop("version")
            assert _steady(body) == _steady(want), (customer, route)


def test_an_unknown_customer_is_404_and_a_missing_key_401(served):
    _, sharded, _ = served
    unknown = sharded.get("/customers/C9999999/wealth", headers=HEADERS)
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "unknown customer C9999999"
    assert sharded.get("/customers/C9999999/wealth").status_code == 401


def test_without_a_layout_the_api_says_what_to_build(sample_warehouse, tmp_path):
    client = TestClient(create_app(sample_warehouse.published, {KEY}, tmp_path / "x.shards"))
    for response in (
        client.get("/health"),
        client.get("/customers/C0000001/wealth", headers=HEADERS),
    ):
        assert response.status_code == 503
        detail = response.json()["detail"]
        assert detail.startswith(f"no shard layout {tmp_path / 'x.shards' / LAYOUT}")
        assert detail.endswith(
            "build the shards (wealthgraph run --shards S) or serve without them"
        )


def test_a_broken_layout_is_503_with_the_fix(sample_warehouse, tmp_path):
    folder = tmp_path / "x.shards"
    folder.mkdir()
    (folder / LAYOUT).write_text('{"shards": 0}', encoding="utf-8")
    client = TestClient(create_app(sample_warehouse.published, {KEY}, folder))
    response = client.get("/customers/C0000001/wealth", headers=HEADERS)
    assert response.status_code == 503
    assert 'has no "shards": S' in response.json()["detail"]
    # a shard with nothing published: the customer's shard is named
    (folder / LAYOUT).write_text('{"shards": 2}', encoding="utf-8")
    response = client.get("/customers/C0000001/wealth", headers=HEADERS)
    assert response.status_code == 503
    k = shard_of("C0000001", 2)
    assert response.json()["detail"] == (
        f"nothing is published under x.shards/shard-{k}.published (shard {k} of 2) yet: "
        "build the shards (wealthgraph run --shards 2)"
    )
    # /health stays up and says which shards serve nothing, and why
    health = client.get("/health")
    assert health.status_code == 200
    assert [(s["shard"], s["version"]) for s in health.json()["shards"]] == [(0, None), (1, None)]
    assert health.json()["shards"][k]["problem"] == response.json()["detail"]


def test_a_rebuild_with_the_same_shard_count_keeps_the_open_shards(sample_shards, tmp_path):
    hub, _ = sample_shards
    store = ShardedStore(shard_path(hub, 0).parent)
    before = store.stores()
    write_layout(hub, 4)  # what every build does, a new file each time
    assert store.stores() is before
    folder = tmp_path / "y.shards"
    folder.mkdir()
    (folder / LAYOUT).write_text('{"shards": 2}', encoding="utf-8")
    other = ShardedStore(folder)
    two = other.stores()
    (folder / LAYOUT).write_text('{"shards": 3}', encoding="utf-8")
    assert len(other.stores()) == 3 and other.stores()[0] is not two[0]


def test_a_shard_version_without_a_served_table_is_503_naming_it(sample_copy, tmp_path):
    # what a shard built before its recommendations were sharded published
    folder = tmp_path / "old.shards"
    tables = {t: PUBLISHED[t] for t in SHARDED_TABLES if t != "marts.recommendations"}
    publish(sample_copy, folder / "shard-0.published", tables=tables)
    (folder / LAYOUT).write_text('{"shards": 1}', encoding="utf-8")
    client = TestClient(create_app(folder / "shard-0.published", {KEY}, folder))
    response = client.get("/customers/C0000001/wealth", headers=HEADERS)
    assert response.status_code == 503
    detail = response.json()["detail"]
    assert detail.startswith(
        "the current version under old.shards/shard-0.published (shard 0 of 1)"
    )
    assert detail.endswith(
        "does not hold marts.recommendations: build the shards (wealthgraph run --shards 1)"
    )
