"""The evaluation harness on small planted data, and the dataset adapters on the real files.

Planted data: users in groups that favour their group's block of items, friends within the
group, a time per interaction. The real-data tests skip when ../shared/datasets is absent.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from tests.conftest import SHARED_DATASETS
from wealthgraph.recommend import datasets, harness, lastfm, tune
from wealthgraph.recommend.__main__ import main
from wealthgraph.recommend.metrics import per_user_metrics, ranking_metrics
from wealthgraph.recommend.model import SOURCES, BlendWeights, SocialBlend

pytestmark = pytest.mark.filterwarnings("ignore:OpenBLAS is configured:RuntimeWarning")

LASTFM = SHARED_DATASETS / "lastfm_hetrec2011"
FILMTRUST = SHARED_DATASETS / "filmtrust"


def planted_frames(
    seed: int = 0, users: int = 120, items: int = 60, groups: int = 4
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(user, item, weight, ts) and (src, dst) frames with a planted group structure."""
    rng = np.random.default_rng(seed)
    group = rng.integers(groups, size=users)
    block = np.arange(items) * groups // items
    prob = np.where(group[:, None] == block[None, :], 0.35, 0.03)
    u, i = np.nonzero(rng.random((users, items)) < prob)
    interactions = pl.DataFrame(
        {
            "user": u + 1000,  # ids that are not positions
            "item": i + 500,
            "weight": rng.integers(1, 20, size=len(u)).astype(np.float64),
            "ts": rng.integers(0, 50, size=len(u)),  # few distinct times: many ties in time
        }
    )
    a, b = np.nonzero((group[:, None] == group[None, :]) & (rng.random((users, users)) < 0.08))
    ties = pl.DataFrame({"src": a + 1000, "dst": b + 1000})
    return interactions, ties


SMALL_GRID = {"als": (1.0,), "social": (0.0, 0.5), "coholding": (0.0, 0.5), "popularity": (0.0,)}


@pytest.fixture(scope="module")
def planted() -> harness.Dataset:
    interactions, ties = planted_frames()
    return harness.Dataset.from_frames("planted", interactions, ties, directed=True)


def test_from_frames(planted: harness.Dataset):
    interactions, _ = planted_frames()
    assert planted.shape == (interactions["user"].n_unique(), interactions["item"].n_unique())
    assert planted.interactions.nnz == interactions.height  # no repeated pairs planted
    assert planted.interactions.has_canonical_format
    assert len(planted.ts) == planted.interactions.nnz
    assert planted.user_ids[0] == interactions["user"].min()
    assert planted.ties.diagonal().sum() == 0
    # the entry of (user, item) carries that row's weight and time
    first = interactions.sort("user", "item").row(0, named=True)
    assert planted.item_ids[planted.interactions.indices[0]] == first["item"]
    assert planted.interactions.data[0] == first["weight"] and planted.ts[0] == first["ts"]


def test_dataset_checks():
    matrix = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.0]]))
    with pytest.raises(ValueError, match="ts has"):
        harness.Dataset("x", matrix, ts=np.zeros(3))
    with pytest.raises(ValueError, match="> 0"):
        harness.Dataset("x", sp.csr_matrix(np.array([[1.0, -1.0]])))
    undirected = harness.Dataset("x", matrix, ties=sp.csr_matrix(np.array([[0, 1], [0, 0]])))
    assert undirected.ties.toarray().tolist() == [[0, 1], [1, 0]]
    with pytest.raises(ValueError, match="needs timestamps"):
        harness.split(harness.Dataset("x", matrix), "chrono")


@pytest.mark.parametrize("how", harness.SPLITS)
def test_splits_are_disjoint_and_complete(planted: harness.Dataset, how: str):
    train, test = harness.split(planted, how, 0.2, seed=3)
    full = planted.interactions
    assert train.interactions.multiply(test).nnz == 0  # no (user, item) in both
    assert (train.interactions + test != full).nnz == 0  # every entry once, with its value
    assert (train.ties != planted.ties).nnz == 0 and len(train.ts) == train.interactions.nnz
    # the validation split is carved from train only, the same way
    inner, valid = harness.split(train, how, 0.2, seed=4)
    assert inner.interactions.multiply(valid).nnz == 0
    assert (inner.interactions + valid != train.interactions).nnz == 0
    assert valid.multiply(test).nnz == 0
    if how != "time":
        # per user: round(0.8 n) in train, at least one
        counts = np.diff(full.indptr)
        kept = np.diff(train.interactions.indptr)
        assert (kept == np.maximum(np.round(0.8 * counts), 1)).all()


def test_chrono_split_never_trains_on_a_later_event(planted: harness.Dataset):
    train, test = harness.split(planted, "chrono", 0.3, seed=1)
    # the time of each (user, item), read back from the full data (coo keeps csr order)
    full = planted.interactions.tocoo()
    when = dict(zip(zip(full.row, full.col, strict=True), planted.ts, strict=True))
    t = test.tocoo()
    test_times = np.array([when[(r, c)] for r, c in zip(t.row, t.col, strict=True)])
    train_rows = np.repeat(np.arange(planted.shape[0]), np.diff(train.interactions.indptr))
    for user in range(planted.shape[0]):
        later = test_times[t.row == user]
        if len(later):
            assert train.ts[train_rows == user].max() <= later.min()
    # and the global time split keeps everything up to one cutoff
    time_train, time_test = harness.split(planted, "time", 0.3)
    cutoff = time_train.ts.max()
    t = time_test.tocoo()
    assert min(when[(r, c)] for r, c in zip(t.row, t.col, strict=True)) > cutoff


def test_random_split_matches_lastfm_protocol():
    matrix = sp.csr_matrix(np.array([[1, 2, 3, 4, 5], [0, 7, 0, 8, 0], [0, 0, 9, 0, 0]]))
    ds = harness.Dataset("x", matrix)
    train, test = harness.split(ds, "random", 0.2, seed=1)
    old_train, old_test = lastfm.per_user_split(matrix, 0.2, seed=1)
    assert (train.interactions != old_train).nnz == 0 and (test != old_test).nnz == 0


def test_bootstrap_ci():
    rng = np.random.default_rng(0)
    a = rng.random(500)
    mean, low, high = harness.paired_bootstrap(a, a.copy())
    assert mean == 0 and low <= 0 <= high
    # same quality, different users' luck: the CI still contains 0
    noisy = a + rng.normal(0, 0.1, size=500)
    noisy -= noisy.mean() - a.mean()
    assert harness.paired_bootstrap(noisy, a)[1] <= 0 <= harness.paired_bootstrap(noisy, a)[2]
    better = a + 0.05 + rng.normal(0, 0.1, size=500)
    mean, low, high = harness.paired_bootstrap(better, a)
    assert low > 0 and mean == pytest.approx(0.05, abs=0.02)
    assert harness.paired_bootstrap(a, better)[2] < 0


def test_per_user_metrics_average_to_ranking_metrics(planted: harness.Dataset):
    train, test = harness.split(planted, "random", 0.2, seed=2)
    sources = harness.Sources(train, tune.AlsParams(factors=8, iterations=5), seed=2)
    users = np.arange(planted.shape[0])
    recs = sources.recommend({"a": {"als": 1.0}, "b": {"als": 1.0}}, users, 10)
    per_user = per_user_metrics(recs["a"], test, users, 10)
    overall = ranking_metrics(recs["a"], test, users, np.ones(planted.shape[1]), 10)
    for name in ("precision", "recall", "ndcg", "map"):
        assert per_user[name].mean() == pytest.approx(overall[name])
    # identical models: identical lists, a CI around 0
    other = per_user_metrics(recs["b"], test, users, 10)["ndcg"]
    _, low, high = harness.paired_bootstrap(per_user["ndcg"], other)
    assert low <= 0 <= high


def test_sources_match_social_blend(planted: harness.Dataset):
    """With the default ALS, the harness's blend is SocialBlend's, list for list."""
    train, _ = harness.split(planted, "random", 0.2, seed=5)
    weights = BlendWeights(1.0, 0.5, 0.3, 0.2)
    users = np.arange(planted.shape[0])
    ties = train.ties.copy()
    ids, _ = SocialBlend(weights, random_state=5).fit(train.interactions, ties).recommend(users, 10)
    sources = harness.Sources(train, tune.DEFAULT_ALS, seed=5)
    ours = sources.recommend({"blend": dict(weights.items())}, users, 10)["blend"]
    assert (ours == ids).all()
    assert set(sources.names) >= {*SOURCES, "social_sim", "social_factors", "social_sym"}


def test_weigh_leaves_the_input_alone():
    matrix = sp.csr_matrix(np.array([[3.0, 0.0, 5.0], [0.0, 1.0, 2.0]], dtype=np.float32))
    before = matrix.toarray()
    for weighting in tune.WEIGHTINGS:
        weighted = tune.weigh(matrix, tune.AlsParams(weighting=weighting))
        assert (weighted.data > 0).all() and weighted.nnz == matrix.nnz
    assert (matrix.toarray() == before).all()
    assert (tune.weigh(matrix, tune.AlsParams(weighting="binary")).data == 1).all()


def test_run_seed_tables(planted: harness.Dataset):
    result = harness.run_seed(planted, seed=42, how="chrono", k=5, trials=3, grid=SMALL_GRID)
    models = result.main["model"].to_list()
    assert models[:6] == [
        "popularity",
        "als_default",
        "blend_default",
        "als_tuned",
        "blend",
        "blend_social0",
    ]
    assert result.ablation["removed"].to_list() == list(SOURCES)  # one row per source
    assert result.ablation.filter(pl.col("weight") == 0)["contribution"].abs().max() in (0, None)
    assert (result.ablation["ci_low"] <= result.ablation["ci_high"]).all()
    reference = result.main.filter(pl.col("model") == harness.REFERENCE)
    assert reference["d_ndcg"].item() == 0
    assert result.social["model"][0] == "blend" and result.social.height == 1 + len(result.variants)
    assert result.als_trials.height == 3
    assert result.main.select(harness.METRICS).null_count().sum_horizontal().item() == 0
    mean = harness.mean_table([result, result])
    assert mean["ndcg"].to_list() == pytest.approx(result.main["ndcg"].to_list())
    assert {"ci_above", "ci_below"} <= set(mean.columns)


def test_tune_weights_takes_als_params(planted: harness.Dataset):
    train = planted.interactions
    grid = {"als": (1.0,), "social": (0.0, 0.2), "coholding": (0.0,), "popularity": (0.0,)}
    params = tune.AlsParams(factors=8, iterations=4, weighting="binary")
    best, table = lastfm.tune_weights(train, planted.ties, grid, seed=3, k=5, als=params)
    assert table.height == 2 and best.als == 1.0
    fitted = lastfm.blend(BlendWeights(1, 0, 0, 0), train, planted.ties, 3, params)
    assert fitted.als.factors == 8
    assert (fitted.als.item_factors == tune.fit_als(train, params, 3).item_factors).all()


def test_warehouse_adapter(tmp_path):
    path = tmp_path / "wh.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema features; create schema graph")
        con.execute(
            "create table features.product_interactions as select * from (values "
            "('c1', 'p1', 2, 0, 0, false, date '2024-01-01'),"
            "('c1', 'p1', 1, 0, 0, false, date '2024-01-02'),"
            "('c1', 'p2', 0, 1, 1, true, date '2024-01-02'),"
            "('c2', 'p1', 0, 0, 0, true, date '2024-01-02'),"
            "('c3', 'p2', 0, 0, 0, false, date '2024-01-02')"
            ") t(customer_id, product_id, views, shares, buys, is_held, as_of)"
        )
        con.execute(
            "create table graph.ties as select * from (values "
            "('c1', 'c2', 0.5), ('c2', 'c1', 0.5), ('c1', 'c9', 1.0)"
            ") t(customer_id, other_id, weight)"
        )
    ds = datasets.load("warehouse", path)
    assert ds.name == "warehouse 2024-01-02"
    assert ds.shape == (2, 2)  # c3 did nothing; only the latest as_of counts
    # c1: p1 viewed once (1), p2 shared, bought and held (2 + 4 + 4); c2 holds p1 (4)
    assert ds.interactions.toarray().tolist() == [[1, 10], [4, 0]]
    assert ds.ties.toarray().tolist() == [[0, 0.5], [0.5, 0]]  # c9 has no interactions
    with pytest.raises(FileNotFoundError, match="warehouse"):
        datasets.load("warehouse", tmp_path / "none.duckdb")


def test_adapters_name_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"ratings\.txt"):
        datasets.load("filmtrust", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"user_artists\.dat"):
        datasets.load("lastfm", tmp_path)
    assert main(["evaluate", "filmtrust", "--src", str(tmp_path)]) == 2


def _need(folder, name: str):
    if not folder.is_dir():
        pytest.skip(f"{name} dataset not found at {folder} (../shared/datasets is optional)")


def test_filmtrust_shapes():
    _need(FILMTRUST, "FilmTrust")
    ds = datasets.load("filmtrust")
    assert ds.shape == (1508, 2071) and ds.interactions.nnz == 35_494  # 3 pairs rated twice
    assert ds.directed and ds.ties.nnz == 1632  # links between users who rated something
    assert ds.ts is None
    assert ds.interactions.data.min() == 0.5 and ds.interactions.data.max() == 4.0
    liked = datasets.load_filmtrust(FILMTRUST, min_rating=3.0)
    assert liked.interactions.data.min() >= 3.0 and liked.interactions.nnz < 35_494


def test_lastfm_shapes():
    _need(LASTFM, "Last.fm")
    ds = datasets.load("lastfm")
    assert ds.shape == (1892, 17632) and ds.interactions.nnz == 92_834
    assert not ds.directed and ds.ties.nnz == 25_434 and ds.ts is None
    tagged = datasets.load("lastfm-tagged")
    assert tagged.interactions.nnz == 71_064 and len(tagged.ts) == 71_064
    assert tagged.ties.nnz == 25_434
    assert dt.datetime.fromtimestamp(tagged.ts.max(), dt.UTC).year == 2011


def test_evaluate_command(tmp_path, capsys, monkeypatch, planted: harness.Dataset):
    # the command on planted data standing in for FilmTrust, so it runs without the files
    monkeypatch.setitem(datasets.LOADERS, "filmtrust", lambda src: planted)
    monkeypatch.setattr(harness, "BLEND_GRID", SMALL_GRID)
    report = tmp_path / "ft.md"
    args = ["evaluate", "filmtrust", "--seeds", "3", "4", "--trials", "2", "--report", str(report)]
    assert main(args) == 0
    text = report.read_text()
    assert "| model | users | precision |" in text and "Δ nDCG vs als_tuned [95% CI]" in text
    assert "evaluate filmtrust --seeds 3 4 --trials 2" in text
    assert "## Mean over seeds 3, 4" in text and "## Seed 4" in text
    assert "| blend_social0 |" in capsys.readouterr().out
    assert (
        main(["evaluate", "filmtrust", "--split", "chrono", "--seeds", "1", "--trials", "2"]) == 0
    )
    assert main(["evaluate", "lastfm", "--src", str(tmp_path), "--split", "time"]) == 2
