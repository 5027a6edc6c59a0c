"""The social blend fitted over part of its users (a customer shard): handed the whole fit's
item factors, co-holding and popularity, and the evidence of the neighbours outside the part,
it scores the part's users as the whole fit does."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from wealthgraph.config import AlsParams
from wealthgraph.recommend.model import BlendWeights, Population, SocialBlend

ALS = AlsParams(factors=4, iterations=3, weighting="binary")
USERS, ITEMS, PART = 60, 12, 25


def _data(seed: int = 3):
    rng = np.random.default_rng(seed)
    user_items = sp.random(USERS, ITEMS, density=0.25, random_state=rng, format="csr") * 5
    ties = sp.random(USERS, USERS, density=0.08, random_state=rng, format="csr")
    ties = sp.csr_matrix(ties + ties.T)
    segments = rng.integers(0, 3, USERS)
    return sp.csr_matrix(user_items, dtype=np.float32), ties, segments


def test_a_part_of_the_users_scores_as_the_whole_fit_does():
    user_items, ties, segments = _data()
    whole = SocialBlend(BlendWeights(), als=ALS).fit(user_items, ties, segments, exact_users=True)
    part = SocialBlend(
        BlendWeights(), als=ALS
    ).fit(
        user_items[:PART],
        ties[:PART],  # columns: the part's users, then everyone outside it
        segments[:PART],
        item_factors=whole.als.item_factors,
        exact_users=True,
        neighbours=user_items[PART:],
        population=Population(whole.cooccurrence, whole.segment_popularity),
    )
    users = np.arange(PART)
    np.testing.assert_array_equal(part.als.user_factors, whole.als.user_factors[:PART])
    for name, scores in whole.source_scores(users).items():
        np.testing.assert_allclose(part.source_scores(users)[name], scores, rtol=1e-6, err_msg=name)
    np.testing.assert_array_equal(part.recommend(users, 5)[0], whole.recommend(users, 5)[0])


@pytest.mark.parametrize("weighting", ["bm25", "tfidf"])
def test_a_part_refuses_a_weighting_that_needs_every_row(weighting):
    user_items, ties, segments = _data()
    whole = SocialBlend(BlendWeights(), als=ALS).fit(user_items, ties, segments)
    with pytest.raises(ValueError, match=f"needs a per-row weighting, not {weighting}"):
        SocialBlend(BlendWeights(), als=AlsParams(factors=4, weighting=weighting)).fit(
            user_items[:PART],
            ties[:PART],
            segments[:PART],
            population=Population(whole.cooccurrence, whole.segment_popularity),
        )
