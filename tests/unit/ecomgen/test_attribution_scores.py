import random

import pytest
from scipy.stats import spearmanr

from ecomgen.attribution_scores import ranks, share_error, spearman


def test_ranks_share_ties_and_spearman_agrees_with_scipy():
    assert ranks([10.0, 20.0, 10.0, 5.0]) == [2.5, 4.0, 2.5, 1.0]
    rng = random.Random(1)
    for _ in range(20):
        xs = [rng.choice(range(6)) for _ in range(24)]
        ys = [x + rng.gauss(0, 2) for x in xs]
        assert spearman(xs, ys) == pytest.approx(spearmanr(xs, ys)[0], abs=1e-12)
    assert spearman([1.0, 1.0], [1.0, 2.0]) == 0.0


def test_share_error_is_half_the_l1_distance_of_the_shares():
    # shares (0.75, 0.25, 0) against (0.5, 0.25, 0.25): |0.25| + 0 + |0.25| over 2
    assert share_error({"a": 3.0, "b": 1.0}, {"a": 2.0, "b": 1.0, "c": 1.0}) == pytest.approx(0.25)
    assert share_error({"a": 1.0}, {"b": 1.0}) == pytest.approx(1.0)
