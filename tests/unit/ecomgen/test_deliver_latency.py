"""`ecomgen deliver --days N --wait`: the latency summary the warm-engine target (p95 ≤ 90 s) is read from."""

import pytest

from ecomgen.cli import latency_summary


@pytest.mark.parametrize(("seconds", "median", "p95", "slowest"), [
    ([100, 60, 90, 70, 80], 80, 98, 100),   # p95 at rank 3.8 of 0..4: 90 + 0.8 × (100 − 90)
    ([40, 50], 45, 50, 50),                 # rank 0.95: 40 + 0.95 × 10 = 49.5, printed whole (banker's: 50)
    ([30, 30, 30, 120], 30, 106, 120),      # one slow delivery dominates p95: 30 + 0.85 × 90 = 106.5 → 106
])
def test_median_and_p95_of_the_latencies(seconds, median, p95, slowest):
    assert latency_summary(seconds) == (f"{len(seconds)} deliveries, landing → mart: median {median} s, "
                                        f"p95 {p95} s (max {slowest} s)")
