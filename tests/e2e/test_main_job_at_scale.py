"""The main job at scale 0.1 (two days of the ten sources: about 50k accounts and 500k clickstream events a day),
as a user runs it, scored against the generator's truth like the test lake at demo scale (tests/spark/test_identity.py,
tests/spark/test_marketing.py): OneID and the data-driven attribution. Long (two scale-0.1 days through every DAG,
≈35 min): `make test-long` and `make test-all` run it, CI does not. OneID's recall sits close to its target
(two days at 0.1 with the device-and-name evidence, 2026-11-28: 0.9814): the README's "Measured here" says where
the misses are."""

import sys
from collections.abc import Iterator
from unittest import mock

import pytest

from ecomgen.attribution_scores import attribution_scores
from ecomgen.brushing_scores import brushing_scores
from ecomgen.holdout_scores import holdout_checks
from ecomgen.identity_scores import identity_scores
from ecomgen.price_audit_scores import price_audit_scores
from ecomlake.config import Settings, load_settings

pytestmark = [pytest.mark.e2e, pytest.mark.long]
DEMO = [sys.executable, "-m", "ecomgen.cli", "demo", "--scale", "0.1", "--days", "2"]


@pytest.fixture(scope="module")
def scale_0_1(second_platform_env, run_ok) -> Iterator[Settings]:
    """The main job's lake, with its environment applied while the tests score it."""
    run_ok(second_platform_env, DEMO)
    with mock.patch.dict("os.environ", second_platform_env):
        yield load_settings()


def test_resolution_at_scale_0_1_meets_its_targets_against_the_truth(scale_0_1):
    scores = identity_scores(scale_0_1)
    print(f"scale 0.1: {scores.render()}")
    assert scores.identifiers > 50_000
    assert scores.pairwise_precision >= 0.995 and scores.pairwise_recall >= 0.98 and scores.b3_f1 >= 0.98


def test_the_data_driven_model_ranks_campaigns_as_their_true_effects_at_scale_0_1(scale_0_1):
    """Issue 10's target: Shapley credit ranks the campaigns with Spearman ≥ 0.9 against the orders each really
    caused (measured 0.946 on 2026-11-27 with crowds and flash sales; last touch 0.602)."""
    scores = attribution_scores(scale_0_1)
    print(f"scale 0.1:\n{scores.render()}")
    assert scores.true_incremental > 500
    assert scores.of("shapley").spearman >= 0.9


def test_coupon_holdout_intervals_contain_the_true_lift_at_scale_0_1(scale_0_1):
    """Six templates of a few hundred held-out members each: every one gets an interval, and a 95 % interval
    misses now and then (two or more misses of six happen 3 % of the time); measured 5 of 6 on 2026-11-27."""
    checks = holdout_checks(scale_0_1)
    assert len(checks) == 6 and all(c.measured for c in checks)
    assert sum(not c.covered for c in checks) <= 1


def test_the_price_audit_finds_both_pricing_episodes_at_scale_0_1(scale_0_1):
    """Issue 11: every episode the generator ran is a finding, with at most one false finding (the README's
    stated bound); the second episode is faint (+6 %) on purpose."""
    scores = price_audit_scores(scale_0_1)
    print(f"scale 0.1: {scores.render()}")
    assert len(scores.episodes) == 2 and scores.found == scores.episodes
    assert len(scores.false_findings) <= 1


def test_the_brushing_detector_meets_its_targets_at_scale_0_1(scale_0_1):
    scores = brushing_scores(scale_0_1)
    print(f"scale 0.1: {scores.render()}")
    assert scores.precision >= 0.9 and scores.recall >= 0.8
    assert len(scores.crowd) >= 200 and scores.crowd_recall >= 0.7
