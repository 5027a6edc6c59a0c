"""The synthetic data generator: contract conformance, determinism and planted structure."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from wealthgraph import landing
from wealthgraph.generate import generate
from wealthgraph.generate.cli import main

END = dt.date(2026, 10, 31)
ENUMS: dict[str, dict[str, tuple]] = {
    "events": {
        "event_type": tuple(landing.EVENT_TYPES),
        "channel": landing.CHANNELS,
        "device": landing.DEVICES,
    },
    "snapshots": {"status": landing.ACCOUNT_STATUSES, "currency": ("CNY",)},
    "transactions": {
        "direction": ("credit", "debit"),
        "category": landing.TRANSACTION_CATEGORIES,
    },
    "customers": {
        "risk_tolerance": landing.RISK_TOLERANCES,
        "credit_grade": landing.CREDIT_GRADES,
        "gender": ("F", "M"),
    },
    "products": {"product_class": landing.PRODUCT_CLASSES, "risk_level": landing.RISK_LEVELS},
    "groups": {"kind": landing.GROUP_KINDS},
}
_POLARS = {
    "VARCHAR": pl.String,
    "TIMESTAMP": pl.String,
    "DATE": pl.String,
    "DECIMAL(18,2)": pl.Float64,
    "INTEGER": pl.Int64,
    "DOUBLE": pl.Float64,
    "BOOLEAN": pl.Boolean,
}


def _files(root: Path, source: landing.Source) -> list[Path]:
    if source.daily:
        return [landing.source_path(root, source, d) for d in landing.landed_days(root, source)]
    return [landing.source_path(root, source)]


def _rows(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def read(root: Path, name: str) -> pl.DataFrame:
    """All rows of a source, typed loosely (dates and timestamps stay text)."""
    source = landing.SOURCES[name]
    schema = {k: _POLARS[v] for k, v in source.fields.items()}
    rows = [r for f in _files(root, source) for r in _rows(f)]
    return pl.DataFrame(rows, schema=schema, orient="row")


def truth(root: Path, name: str) -> pl.DataFrame:
    """A planted-truth side file."""
    return pl.DataFrame(_rows(root / "_truth" / f"{name}.jsonl.gz"))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("small")
    return out, generate(out, users=300, days=7, seed=11, end=END, history_months=3)


@pytest.fixture(scope="module")
def medium(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("medium")
    generate(out, users=1500, days=14, seed=5, end=END, history_months=2)
    return out


def _digest(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.jsonl.gz"))}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(small, tmp_path):
    root, _ = small
    again = tmp_path / "again"
    generate(again, users=300, days=7, seed=11, end=END, history_months=3)
    assert _digest(again) == _digest(root)
    other = tmp_path / "other"
    generate(other, users=300, days=7, seed=12, end=END, history_months=3)
    theirs = _digest(other)
    assert theirs.keys() == _digest(root).keys()
    assert theirs["reference/customers.jsonl.gz"] != _digest(root)["reference/customers.jsonl.gz"]
    assert theirs[f"events/{END}.jsonl.gz"] != _digest(root)[f"events/{END}.jsonl.gz"]


def test_layout_covers_window_and_history(small):
    root, counts = small
    window = [END - dt.timedelta(days=k) for k in range(6, -1, -1)]
    assert landing.landed_days(root, landing.EVENTS) == window
    assert landing.landed_days(root, landing.TRANSACTIONS) == window
    history = [dt.date(2026, 7, 31), dt.date(2026, 8, 31), dt.date(2026, 9, 30)]
    assert landing.landed_days(root, landing.SNAPSHOTS) == history + window
    for source in landing.REFERENCE_SOURCES:
        assert landing.source_path(root, source).exists(), source.name
    assert set(counts) == set(landing.SOURCES)
    assert all(counts[name] > 0 for name in landing.SOURCES)


def test_every_row_matches_the_contract(small):
    root, counts = small
    for name, source in landing.SOURCES.items():
        seen = 0
        for path in _files(root, source):
            for i, row in enumerate(_rows(path)):
                where = f"{path.name}:{i + 1}"
                assert list(row) == list(source.fields), where
                missing = [k for k in source.required if row[k] is None]
                assert not missing, (where, missing)
                for field, allowed in ENUMS.get(name, {}).items():
                    assert row[field] is None or row[field] in allowed, (where, field)
                seen += 1
        assert seen == counts[name], name


def test_event_fields_follow_the_event_type(small):
    root, _ = small
    events = read(root, "events")
    for event_type, (kind, needs_amount) in landing.EVENT_TYPES.items():
        rows = events.filter(pl.col("event_type") == event_type)
        if kind is None:
            assert rows["target_id"].null_count() == rows.height, event_type
        else:
            assert rows["target_id"].null_count() == 0, event_type
        if needs_amount:
            assert (rows["amount"] > 0).all(), event_type
    service = events.filter(pl.col("event_type") == "message_service")
    assert (service["target_id"] == landing.SERVICE_DESK_ID).all()
    managed = events.filter(
        pl.col("event_type").is_in(["message_from_manager", "manager_rating", "message_manager"])
    )
    assert (managed["manager_id"] == managed["target_id"]).all()
    recommend = events.filter(pl.col("event_type") == "manager_recommend")
    assert recommend["manager_id"].null_count() == 0
    pay = events.filter(pl.col("event_type") == "scenario_payment")
    assert pay["category"].is_in(list(landing.SCENARIOS)).all()
    ratings = events.filter(pl.col("event_type") == "manager_rating")["rating"]
    assert ratings.is_between(1, 5).all()
    day = events["ts"].str.slice(0, 10)
    assert events["ts"].str.contains(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$").all()
    assert day.is_between(str(END - dt.timedelta(days=6)), str(END)).all()


def test_every_event_type_appears(medium):
    counts = Counter(read(medium, "events")["event_type"].to_list())
    assert set(counts) == set(landing.EVENT_TYPES), set(landing.EVENT_TYPES) - set(counts)
    events = sum(counts.values())
    # on average 1-2 events per customer and day, dominated by logins, chat and reading
    assert 1500 * 14 * 0.7 < events < 1500 * 14 * 3
    assert counts["login"] > counts["product_buy"] * 10


def test_references_resolve(medium):
    ids = {
        name: set(read(medium, name)[key].to_list())
        for name, key in (
            ("customers", "customer_id"),
            ("managers", "manager_id"),
            ("branches", "branch_id"),
            ("products", "product_id"),
            ("articles", "article_id"),
            ("groups", "group_id"),
        )
    }
    accounts = set(read(medium, "articles")["official_account_id"].to_list())
    kinds = {
        "customer": ids["customers"],
        "manager": ids["managers"],
        "group": ids["groups"],
        "article": ids["articles"],
        "product": ids["products"],
        "official_account": accounts,
        "service": {landing.SERVICE_DESK_ID},
    }
    events = read(medium, "events")
    assert set(events["user_id"]) <= ids["customers"]
    assert set(events["via_user_id"].drop_nulls()) <= ids["customers"]
    assert set(events["manager_id"].drop_nulls()) <= ids["managers"]
    for event_type, (kind, _) in landing.EVENT_TYPES.items():
        if kind is not None:
            targets = events.filter(pl.col("event_type") == event_type)["target_id"]
            assert set(targets) <= kinds[kind], event_type
    customers = read(medium, "customers")
    assert set(customers["branch_id"]) <= ids["branches"]
    assert set(customers["manager_id"].drop_nulls()) <= ids["managers"]
    assert set(read(medium, "managers")["branch_id"]) <= ids["branches"]
    members = read(medium, "group_members")
    assert set(members["group_id"]) <= ids["groups"]
    assert set(members["customer_id"]) <= ids["customers"]
    friends = read(medium, "friendships")
    assert set(friends["customer_id"]) | set(friends["friend_id"]) <= ids["customers"]
    assert (friends["customer_id"] < friends["friend_id"]).all()
    assert friends.select(pl.struct("customer_id", "friend_id").is_unique().all()).item()
    snaps = read(medium, "snapshots")
    assert set(snaps["customer_id"]) <= ids["customers"]
    assert set(snaps["product_id"]) <= ids["products"]
    txns = read(medium, "transactions")
    assert set(txns["account_id"]) <= set(snaps["account_id"])
    articles = read(medium, "articles")
    assert set(articles["product_id"].drop_nulls()) <= ids["products"]
    assert set(articles["author_manager_id"].drop_nulls()) <= ids["managers"]


def test_activity_respects_registration_and_dormancy(medium):
    customers = read(medium, "customers")
    events = read(medium, "events")
    start = str(END - dt.timedelta(days=13))
    first = events.group_by("user_id").agg(pl.col("ts").min().str.slice(0, 10).alias("first"))
    joined = customers.join(first, left_on="customer_id", right_on="user_id", how="left")
    active = joined.filter(pl.col("first").is_not_null())
    assert (active["first"] >= active["registered_at"]).all()
    newcomers = joined.filter(pl.col("registered_at") >= start)
    assert newcomers.height > 0 and newcomers["first"].null_count() < newcomers.height
    dormant = joined.filter((pl.col("registered_at") < start) & pl.col("first").is_null())
    assert 0.02 * customers.height < dormant.height < 0.2 * customers.height
    # newcomers have no friendships in the reference file: they arrive as friend_add events
    friends = read(medium, "friendships")
    new_ids = set(newcomers["customer_id"])
    assert not (set(friends["customer_id"]) | set(friends["friend_id"])) & new_ids
    assert (friends["since"] < start).all()


def test_friend_changes_match_reference_and_truth(medium):
    friends = read(medium, "friendships")
    pairs = set(zip(friends["customer_id"], friends["friend_id"], strict=True))
    events = read(medium, "events")

    def event_pairs(kind: str) -> list[tuple[str, str]]:
        rows = events.filter(pl.col("event_type") == kind)
        return [tuple(sorted(p)) for p in zip(rows["user_id"], rows["target_id"], strict=True)]

    added, removed = event_pairs("friend_add"), event_pairs("friend_remove")
    assert added and removed
    assert not set(added) & pairs
    assert set(removed) <= pairs
    planted = truth(medium, "removed_friendships")
    assert set(zip(planted["customer_id"], planted["friend_id"], strict=True)) == set(removed)
    # whoever a read or view came "via" is a friend by then
    via = events.filter(pl.col("via_user_id").is_not_null())
    assert via.height > 0
    known = pairs | set(added)
    for u, v in zip(via["user_id"], via["via_user_id"], strict=True):
        assert tuple(sorted((u, v))) in known


def _agreement(friends: pl.DataFrame, label: dict[str, str]) -> tuple[float, float]:
    """Share of friend pairs with the same label, and the same for random pairs (exact)."""
    same = np.mean(
        [
            label[a] == label[b]
            for a, b in zip(friends["customer_id"], friends["friend_id"], strict=True)
        ]
    )
    share = np.array(list(Counter(label.values()).values())) / len(label)
    return float(same), float((share**2).sum())


@pytest.mark.parametrize("column", ["preferred_topic", "preferred_class"])
def test_friends_share_preferences(small, column):
    root, _ = small
    prefs = truth(root, "preferences")
    label = dict(zip(prefs["customer_id"], prefs[column], strict=True))
    same, chance = _agreement(read(root, "friendships"), label)
    assert same > 2 * chance, (same, chance)


def test_behaviour_follows_preferences(medium):
    prefs = truth(medium, "preferences")
    topic = dict(zip(prefs["customer_id"], prefs["preferred_topic"], strict=True))
    articles = read(medium, "articles")
    article_topic = dict(zip(articles["article_id"], articles["topic"], strict=True))
    reads = read(medium, "events").filter(pl.col("event_type") == "article_read")
    match = np.mean(
        [
            topic[u] == article_topic[a]
            for u, a in zip(reads["user_id"], reads["target_id"], strict=True)
        ]
    )
    assert match > 0.4  # 12 topics: chance is below 0.15


def test_planted_communities_shape_the_graph(small):
    root, _ = small
    comm = truth(root, "communities")
    assert comm.height == 300
    label = dict(zip(comm["customer_id"], comm["community_id"], strict=True))
    same, chance = _agreement(read(root, "friendships"), label)
    assert same > 0.4 and same > 5 * chance


def test_degree_is_heavy_tailed(medium):
    friends = read(medium, "friendships")
    degree = Counter(friends["customer_id"].to_list() + friends["friend_id"].to_list())
    d = np.array(list(degree.values()))
    assert d.max() >= 6 * np.median(d)
    assert d.max() >= 60


def test_managers_books_and_unmanaged_customers(medium):
    customers = read(medium, "customers")
    managers = read(medium, "managers")
    unmanaged = customers["manager_id"].null_count() / customers.height
    assert 0.15 <= unmanaged <= 0.25
    assert (~managers["is_active"]).sum() >= 1
    assessed = customers["risk_assessed_at"]
    assert assessed.drop_nulls().min() < str(END - dt.timedelta(days=365))
    assert (customers["risk_tolerance"].is_null() == assessed.is_null()).all()


def test_recommendations_lead_to_purchases(medium):
    events = read(medium, "events")
    rec = events.filter(pl.col("event_type") == "manager_recommend")
    buy = events.filter(pl.col("event_type") == "product_buy")
    when = pl.col("ts").str.to_datetime()
    bought = pl.col("ts_buy").str.to_datetime()
    hits = rec.join(buy, on=["user_id", "target_id"], suffix="_buy").filter(
        (bought > when) & (bought < when + pl.duration(days=8))
    )
    assert hits.height >= 0.05 * rec.height > 0


def test_money_is_consistent(medium):
    snaps = read(medium, "snapshots")
    txns = read(medium, "transactions")
    live = snaps.filter(pl.col("status") != "closed")
    assert (live["balance"] > 0).all()
    assert (snaps.filter(pl.col("status") == "closed")["balance"] == 0).all()
    assert (txns["amount"] > 0).all()
    signed = pl.when(pl.col("direction") == "credit").then("amount").otherwise(-pl.col("amount"))
    chain = txns.sort("account_id", "ts", "txn_id").with_columns(
        prev=pl.col("balance_after").shift(1).over("account_id"), delta=signed
    )
    gaps = chain.filter(pl.col("prev").is_not_null()).select(
        (pl.col("prev") + pl.col("delta") - pl.col("balance_after")).abs().max()
    )
    assert gaps.item() < 0.005
    # the day's last balance_after is the account's balance in that day's snapshot
    last = (
        txns.sort("ts", "txn_id")
        .group_by("account_id", pl.col("ts").str.slice(0, 10).alias("as_of"))
        .agg(pl.col("balance_after").last())
    )
    both = last.join(snaps, on=["account_id", "as_of"])
    assert both.height == last.height
    assert ((both["balance_after"] - both["balance"]).abs() < 0.005).all()
    salary = txns.filter(pl.col("category") == "salary")
    assert salary.height > 0 and (salary["direction"] == "credit").all()
    # every customer, newcomers included, has a current account (P0001)
    customers = read(medium, "customers")
    current = set(snaps.filter(pl.col("product_id") == "P0001")["customer_id"])
    assert set(customers["customer_id"]) <= current


def test_cli_writes_a_folder(tmp_path, capsys):
    out = tmp_path / "cli"
    code = main(["--out", str(out), "--users", "120", "--days", "2", "--history-months", "1"])
    assert code == 0
    assert landing.landed_days(out, landing.EVENTS) == [END - dt.timedelta(days=1), END]
    err = capsys.readouterr().err
    assert "events" in err and "rows" in err


ROOT = Path(__file__).resolve().parents[2]


def _header(path: Path) -> tuple[bytes, bytes]:
    """A gzip file's fixed header (magic, method, flags, mtime, extra flags, OS) and the file
    name it stores (empty when it stores none)."""
    data = path.read_bytes()
    name = data[10 : data.index(b"\0", 10)] if data[3] & 0x08 else b""
    return data[:10], name


def test_files_store_no_time_and_one_compression_level(small):
    root, _ = small
    headers = {p: _header(p) for p in root.rglob("*.jsonl.gz")}
    fixed = {header for header, _ in headers.values()}
    assert len(fixed) == 1, fixed  # same flags, extra flags (level) and OS everywhere
    [header] = fixed
    assert header[4:8] == b"\0\0\0\0"  # no modification time
    for path, (_, name) in headers.items():  # a stored name can only be the file's own
        assert name in (b"", path.name.removesuffix(".gz").encode()), path


def test_make_sample_rewrites_the_committed_sample_unchanged(tmp_path):
    """`make sample` regenerates data_samples/ with the arguments of its Makefile recipe: every
    committed file must come back with the same rows and the same gzip header, so a
    regeneration changes no committed byte (when zlib is the same)."""
    recipe = re.search(
        r"wealthgraph generate --out data_samples (.*)", (ROOT / "Makefile").read_text()
    )
    assert recipe, "the Makefile's sample recipe"
    out = tmp_path / "sample"
    assert main(["--out", str(out), *recipe.group(1).split()]) == 0
    committed = ROOT / "data_samples"
    files = sorted(p.relative_to(committed) for p in committed.rglob("*.jsonl.gz"))
    assert files == sorted(p.relative_to(out) for p in out.rglob("*.jsonl.gz"))
    for file in files:
        assert _header(out / file) == _header(committed / file), file
        assert gzip.decompress((out / file).read_bytes()) == gzip.decompress(
            (committed / file).read_bytes()
        ), file
