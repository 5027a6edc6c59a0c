"""The HTTP API, served for real (uvicorn on a free local port) and called over HTTP.

Answers are compared with direct queries on the published copy; every response body any test
here receives is kept and, last, searched for the sample's names, phones and ID numbers.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from pipelines.cli import main
from tests.test_publish import personal_pattern, personal_values
from wealthgraph import publish
from wealthgraph.api import create_app
from wealthgraph.publish import connect_current

KEY = secrets.token_urlsafe(24)
KINDS = ("product", "loan", "topic", "activity", "friend")
CUSTOMER_ROUTES = ("recommendations", "wealth", "social-map", "people-you-may-know")
UNKNOWN = "C9999999"
# every response body received in this module, for the personal-data scan at the end
BODIES: list[str] = []


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread on a free port; yield its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # the OS picks the port; uvicorn gets the bound socket: no race
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _keep(response: httpx.Response) -> None:
    response.read()
    BODIES.append(response.text)


@contextmanager
def client(base_url: str, key: str | None = KEY) -> Iterator[httpx.Client]:
    headers = {"X-API-Key": key} if key is not None else {}
    with httpx.Client(
        base_url=base_url, headers=headers, timeout=10, event_hooks={"response": [_keep]}
    ) as http:
        yield http


@pytest.fixture(scope="module")
def base_url(sample_warehouse) -> Iterator[str]:
    with serving(create_app(sample_warehouse.published, {KEY, "a-second-key"})) as url:
        yield url


@pytest.fixture(scope="module")
def api(base_url) -> Iterator[httpx.Client]:
    with client(base_url) as http:
        yield http


@pytest.fixture(scope="module")
def published(sample_warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    con, _ = connect_current(sample_warehouse.published)
    yield con
    con.close()


@pytest.fixture(scope="module")
def customer(published) -> str:
    """A customer with recommendations of the most kinds (ties: the smallest id)."""
    return published.execute(
        "select customer_id from marts.recommendations "
        "group by customer_id order by count(distinct kind) desc, customer_id limit 1"
    ).fetchone()[0]


def test_health_needs_no_key_and_names_the_current_version(sample_warehouse, base_url):
    with client(base_url, key=None) as http:
        response = http.get("/health")
    assert response.status_code == 200
    body = response.json()
    version = publish.current(sample_warehouse.published)
    assert body["status"] == "ok"
    assert body["version"] == version.version
    assert body["as_of"] == version.as_of
    assert 0 <= body["age_seconds"] < 24 * 3600


def test_recommendations_are_the_customers_own_rows(api, published, customer):
    response = api.get(f"/customers/{customer}/recommendations", params={"limit": 50})
    assert response.status_code == 200
    body = response.json()
    assert body["customer_id"] == customer
    served = [(r["kind"], r["rank"], r["item_id"], r["score"]) for r in body["recommendations"]]
    expected = published.execute(
        "select kind, rank, item_id, score from marts.recommendations "
        "where customer_id = ? and as_of = (select max(as_of) from marts.recommendations) "
        "order by kind, rank",
        [customer],
    ).fetchall()
    assert served == expected
    assert {kind for kind, *_ in served} >= {"product", "topic", "friend"}
    assert all(r["reasons"] and r["model_version"] for r in body["recommendations"])


def test_the_kind_filter_and_the_limit(api, published, customer):
    for kind in KINDS:
        body = api.get(f"/customers/{customer}/recommendations", params={"kind": kind}).json()
        expected = published.execute(
            "select item_id from marts.recommendations where customer_id = ? and kind = ? "
            "and as_of = (select max(as_of) from marts.recommendations) and rank <= 10 "
            "order by rank",
            [customer, kind],
        ).fetchall()
        assert [(r["item_id"],) for r in body["recommendations"]] == expected, kind
        assert {r["kind"] for r in body["recommendations"]} <= {kind}
    two = api.get(f"/customers/{customer}/recommendations", params={"limit": 2}).json()
    ranks: dict[str, list[int]] = {}
    for r in two["recommendations"]:
        ranks.setdefault(r["kind"], []).append(r["rank"])
    assert len(ranks) >= 3 and all(got == [1, 2][: len(got)] for got in ranks.values())


def test_wealth_is_the_customers_summary_advice_and_history(api, published, customer):
    response = api.get(f"/customers/{customer}/wealth")
    assert response.status_code == 200
    body = response.json()
    net_worth, assets = published.execute(
        "select net_worth, total_assets from marts.wealth_summary where customer_id = ? "
        "and as_of = (select max(as_of) from marts.wealth_summary)",
        [customer],
    ).fetchone()
    assert body["summary"]["net_worth"] == float(net_worth)
    assert body["summary"]["total_assets"] == float(assets)
    advice = published.execute(
        "select rule_id, passed, message from marts.wealth_advice where customer_id = ? "
        "and as_of = (select max(as_of) from marts.wealth_advice) order by rule_id",
        [customer],
    ).fetchall()
    assert [(a["rule_id"], a["passed"], a["message"]) for a in body["advice"]] == advice
    assert any(a["message"] for a in body["advice"] if not a["passed"])
    history = published.execute(
        "select month::varchar, net_worth::double from marts.wealth_history "
        "where customer_id = ? order by month",
        [customer],
    ).fetchall()
    assert [(h["month"], h["net_worth"]) for h in body["history"]] == history
    assert len(history) > 1


def test_social_map_is_the_customers_row(api, published, customer):
    body = api.get(f"/customers/{customer}/social-map").json()
    friends, contacts, community = published.execute(
        "select friends, [c.contact_id for c in top_contacts], community_id "
        "from marts.social_map where customer_id = ? "
        "and as_of = (select max(as_of) from marts.social_map)",
        [customer],
    ).fetchone()
    assert body["customer_id"] == customer
    assert body["friends"] == friends
    assert [c["contact_id"] for c in body["top_contacts"]] == contacts
    assert body["community_id"] == community
    assert customer not in contacts


def test_people_you_may_know_are_the_customers_friend_suggestions(api, published, customer):
    body = api.get(f"/customers/{customer}/people-you-may-know", params={"limit": 50}).json()
    expected = published.execute(
        "select item_id, reasons from marts.recommendations where customer_id = ? "
        "and kind = 'friend' and as_of = (select max(as_of) from marts.recommendations) "
        "order by rank",
        [customer],
    ).fetchall()
    assert [(p["customer_id"], p["reasons"]) for p in body["people"]] == expected
    assert expected and customer not in {p["customer_id"] for p in body["people"]}


def test_customer_routes_need_a_valid_key(base_url, customer):
    wrong = [None, "", "wrong", KEY[:-1], KEY + "x", KEY.upper(), "ключ".encode()]
    with client(base_url, key=None) as http:
        for key in wrong:
            headers = {} if key is None else {"X-API-Key": key}
            for route in CUSTOMER_ROUTES:
                # a bad key is refused before the id is even looked at
                for who in (customer, "' OR 1=1 --"):
                    response = http.get(f"/customers/{who}/{route}", headers=headers)
                    assert response.status_code == 401, (key, route, who)
                    assert response.json() == {"detail": "missing or invalid X-API-Key header"}
    with client(base_url, key="a-second-key") as http:
        assert http.get(f"/customers/{customer}/wealth").status_code == 200


def test_an_unknown_customer_is_404(api):
    for route in CUSTOMER_ROUTES:
        response = api.get(f"/customers/{UNKNOWN}/{route}")
        assert response.status_code == 404, route
        assert response.json() == {"detail": f"unknown customer {UNKNOWN}"}


BAD_IDS = ["' OR 1=1 --", "x" * 10_000, "C0000001'", "C0000001;drop", "a b", "ü", "😀", "%00"]
BAD_PARAMS = [
    {"kind": "bad"},
    {"kind": "PRODUCT"},
    {"kind": ""},
    {"limit": 0},
    {"limit": 1000},
    {"limit": "abc"},
    {"limit": -1},
    {"limit": 2.5},
    {"limit": "9" * 40},
]


def test_malformed_input_is_422(api, customer):
    for bad in BAD_IDS:
        for route in CUSTOMER_ROUTES:
            response = api.get(f"/customers/{bad}/{route}")
            assert response.status_code == 422, (bad[:20], route, response.text[:200])
    for params in BAD_PARAMS:
        response = api.get(f"/customers/{customer}/recommendations", params=params)
        assert response.status_code == 422, params
    for limit in (0, 51, "abc"):
        response = api.get(f"/customers/{customer}/people-you-may-know", params={"limit": limit})
        assert response.status_code == 422, limit


def test_no_input_makes_a_500(api, customer):
    odd_ids = [*BAD_IDS, "..", "%2e%2e", "%2F", "C0000001%2F..", "%09", "-", "_", "0" * 33]
    odd_ids += ["0" * 32, "null", "None", "1e309", "C0000001\\", "$(id)", "{{7*7}}", "<script>"]
    odd_ids += ["%ff%fe", "C0000001%20", "C0000001 "]
    statuses = set()
    for who in odd_ids:
        for route in CUSTOMER_ROUTES:
            for params in [{}, *BAD_PARAMS, {"kind": "friend", "limit": 50}]:
                status = api.get(f"/customers/{who}/{route}", params=params).status_code
                statuses.add(status)
                assert status < 500, (who[:40], route, params)
    assert {404, 422} <= statuses


def _publish_copy(sample_warehouse, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    copy = tmp_path / "source.duckdb"
    shutil.copy(sample_warehouse.database, copy)
    return duckdb.connect(str(copy))


def test_a_new_version_is_picked_up_and_nothing_published_is_503(
    sample_warehouse, customer, tmp_path
):
    root = tmp_path / "published"
    with serving(create_app(root, {KEY})) as url, client(url) as http:
        assert http.get("/health").status_code == 503
        response = http.get(f"/customers/{customer}/wealth")
        assert response.status_code == 503
        assert "nothing is published" in response.json()["detail"]

        source = _publish_copy(sample_warehouse, tmp_path)
        first = publish.publish(source, root)
        assert http.get("/health").json()["version"] == first.version
        route = f"/customers/{customer}/recommendations"
        before = http.get(route, params={"kind": "product", "limit": 1}).json()
        assert before["version"] == first.version

        source.execute(
            "update marts.recommendations set score = 12345.5 "
            "where customer_id = ? and kind = 'product' and rank = 1",
            [customer],
        )
        second = publish.publish(source, root)
        source.close()
        health = http.get("/health").json()
        assert health["version"] == second.version != first.version
        after = http.get(route, params={"kind": "product", "limit": 1}).json()
        assert after["version"] == second.version
        assert after["recommendations"][0]["score"] == 12345.5
        assert before["recommendations"][0]["score"] != 12345.5


def test_serve_without_keys_makes_one_key_prints_it_and_requires_it(
    sample_warehouse, customer, monkeypatch, capsys
):
    monkeypatch.delenv("WEALTHGRAPH_API_KEYS", raising=False)
    monkeypatch.setenv("WEALTHGRAPH_DB", str(sample_warehouse.database))
    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append((app, options)))
    assert main(["serve", "--port", "8123"]) == 0
    printed = re.findall(r"^    (\S+)$", capsys.readouterr().out, re.MULTILINE)
    assert len(printed) == 1 and len(printed[0]) >= 32
    app, options = started[0]
    assert options == {"host": "127.0.0.1", "port": 8123}
    with serving(app) as url:
        with client(url, key=printed[0]) as http:
            assert http.get(f"/customers/{customer}/wealth").status_code == 200
        with client(url, key=None) as http:
            assert http.get(f"/customers/{customer}/wealth").status_code == 401


def test_the_publish_command_publishes_the_warehouse_as_it_is(
    sample_warehouse, tmp_path, monkeypatch, capsys
):
    shutil.copy(sample_warehouse.database, tmp_path / "wh.duckdb")
    monkeypatch.setenv("WEALTHGRAPH_DB", str(tmp_path / "wh.duckdb"))
    assert main(["publish"]) == 0
    version = publish.current(tmp_path / "wh.published")
    assert f"published {version.version}" in capsys.readouterr().out
    assert version.tables == publish.current(sample_warehouse.published).tables


def test_no_response_carries_personal_data(api, published):
    # runs last in this module: by now BODIES holds every answer the tests above received;
    # a few more customers here so the scan means something when run alone too
    for (customer,) in published.execute(
        "select customer_id from marts.user_profile order by customer_id limit 5"
    ).fetchall():
        for route in CUSTOMER_ROUTES:
            assert api.get(f"/customers/{customer}/{route}", params={}).status_code == 200
    assert len(BODIES) > 20
    texts = set(BODIES)
    for body in BODIES:
        with suppress(ValueError):  # also decoded, in case a value was \u-escaped in the JSON
            texts.add(json.dumps(json.loads(body), ensure_ascii=False))
    # RE2 (DuckDB's regex engine) matches the ~6,000-value alternation in linear time
    leaks = duckdb.execute(
        "select body from (select unnest(?::varchar[]) as body) where regexp_matches(body, ?)",
        [sorted(texts), personal_pattern()],
    ).fetchall()
    found = [value for (body,) in leaks for value in personal_values() if value in body]
    assert found == []
