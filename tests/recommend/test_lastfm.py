"""The Last.fm benchmark: the per-user split, and the real-data figures the prototype measured.

ALS and popularity are pinned to the prototype's nDCG@10 (implicit's own evaluation agreed),
so a change of split, confidence or metric that moves them shows up here. The whole file takes
about 30 s on 2 cores, almost all of it ``evaluate`` (two tasks, each tuned on 36 points).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from tests.conftest import SHARED_DATASETS
from wealthgraph.recommend import lastfm

LASTFM = SHARED_DATASETS / "lastfm_hetrec2011"

pytestmark = pytest.mark.filterwarnings("ignore:OpenBLAS is configured:RuntimeWarning")


@pytest.fixture(scope="module")
def data() -> lastfm.LastfmData:
    if not (LASTFM / lastfm.USER_ARTISTS).exists():
        pytest.skip(f"Last.fm dataset not found at {LASTFM} (../shared/datasets is optional)")
    return lastfm.load(LASTFM)


@pytest.fixture(scope="module")
def table(data: lastfm.LastfmData) -> pl.DataFrame:
    result = lastfm.evaluate(data, seed=42, k=10)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=400, fmt_str_lengths=100):
        print(result)
    return result


def test_load_shapes(data: lastfm.LastfmData):
    assert data.plays.shape == (1892, 17632) and data.plays.nnz == 92_834
    assert data.ties.nnz == 25_434  # 12,717 friendships, both directions
    assert (data.ties != data.ties.T).nnz == 0 and data.ties.diagonal().sum() == 0
    assert data.user_tags.shape == (1892, len(data.tag_ids)) == (1892, len(data.tag_names))
    assert data.user_tags.sum() == 186_479  # every tag assignment counted once


def test_load_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"user_artists\.dat"):
        lastfm.load(tmp_path)


def test_per_user_split(data: lastfm.LastfmData):
    train, test = lastfm.per_user_split(data.plays, test_share=0.2, seed=42)
    assert train.multiply(test).nnz == 0  # disjoint
    assert (train + test != data.plays).nnz == 0  # together, every entry with its value
    counts = np.diff(data.plays.indptr)
    kept = np.diff(train.indptr)
    assert (kept[counts >= 2] >= 1).all()
    assert (kept == np.round(0.8 * counts)).all()
    again_train, again_test = lastfm.per_user_split(data.plays, test_share=0.2, seed=42)
    assert (again_train != train).nnz == 0 and (again_test != test).nnz == 0
    other, _ = lastfm.per_user_split(data.plays, test_share=0.2, seed=43)
    assert (other != train).nnz > 0


def test_per_user_split_small():
    matrix = sp.csr_matrix(np.array([[1, 2, 3, 4, 5], [0, 7, 0, 8, 0], [0, 0, 9, 0, 0]]))
    train, test = lastfm.per_user_split(matrix, test_share=0.2, seed=1)
    assert np.diff(train.indptr).tolist() == [4, 2, 1]  # round(0.8 n), at least one
    assert np.diff(test.indptr).tolist() == [1, 0, 0]
    assert (train + test != matrix).nnz == 0


def test_evaluate_on_lastfm(table: pl.DataFrame):
    assert table.select("task", "model").rows() == [
        (task, model)
        for task in ("artists", "tags")
        for model in ("popularity", "als", "social_blend")
    ]
    metrics = ["precision", "recall", "ndcg", "map", "coverage", "novelty", "fit_s"]
    assert table.select(metrics).null_count().sum_horizontal().item() == 0
    ndcg = dict(zip(table["task"] + "/" + table["model"], table["ndcg"], strict=True))
    assert ndcg["artists/als"] == pytest.approx(0.2235, abs=0.02)
    assert ndcg["artists/popularity"] == pytest.approx(0.0805, abs=0.02)
    tuned = table.filter(pl.col("model") == "social_blend")
    assert tuned["weights"].str.starts_with("als=1 ").all()
    assert tuned["val_ndcg"].is_not_null().all()
