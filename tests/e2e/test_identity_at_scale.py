"""OneID at scale 0.1 (the main job's two days of the ten sources: about 50k accounts and 500k clickstream events a
day), as a user runs the main job, scored against the generator's truth like the test lake at demo scale
(tests/spark/test_identity.py). Long (two scale-0.1 days through every DAG, ≈30 min): `make test-long` and
`make test-all` run it, CI does not. It fails today on recall (2026-11-27: pairwise precision 0.9970, recall
0.9757): the README's "Measured here" says where the misses are."""

import sys
from unittest import mock

import pytest

from ecomgen.identity_scores import identity_scores
from ecomlake.config import load_settings

pytestmark = [pytest.mark.e2e, pytest.mark.long]
DEMO = [sys.executable, "-m", "ecomgen.cli", "demo", "--scale", "0.1", "--days", "2"]


def test_resolution_at_scale_0_1_meets_its_targets_against_the_truth(second_platform_env, run_ok):
    run_ok(second_platform_env, DEMO)
    with mock.patch.dict("os.environ", second_platform_env):
        scores = identity_scores(load_settings())
    print(f"scale 0.1: {scores.render()}")
    assert scores.identifiers > 50_000
    assert scores.pairwise_precision >= 0.995 and scores.pairwise_recall >= 0.98 and scores.b3_f1 >= 0.98
