import polars as pl

from wealthgraph.config import AlsParams
from wealthgraph.recommend.tune import search_als


def _score(params: AlsParams) -> float:
    # larger models score a hair better: the kind of difference a validation window cannot see
    return 0.5 + 1e-5 * params.factors * params.iterations


def test_the_best_trial_wins_without_a_tolerance():
    best, table = search_als(_score, trials=12, seed=3, first=())
    assert _score(best) == table["val_ndcg"].max()


def test_within_picks_the_cheapest_trial_near_the_best():
    best, table = search_als(_score, trials=12, seed=3, first=(), within=0.02)
    near = table.filter(pl.col("val_ndcg") >= table["val_ndcg"].max() - 0.02)
    cost = best.factors * best.iterations
    assert cost == round(min((s - 0.5) / 1e-5 for s in near["val_ndcg"]))
    assert _score(best) < table["val_ndcg"].max()  # a real trade, not the best by accident
