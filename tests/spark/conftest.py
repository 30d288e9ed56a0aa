"""The ten-source test lake, built once per session and shared by the Spark test modules that score it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

# Two delivery days of every source: the generator puts every path the contracts promise into any two.
LAKE_START, LAKE_DAYS, LAKE_SEED, LAKE_SCALE = date(2026, 8, 1), 2, 7, 0.002


@pytest.fixture(scope="session")
def lake_days() -> list[date]:
    return [LAKE_START + timedelta(days=n) for n in range(LAKE_DAYS)]


@pytest.fixture(scope="session")
def lake_world() -> tuple[int, float, date]:
    """The generator's seed, scale and first day of the test lake, to ask it what it made."""
    return LAKE_SEED, LAKE_SCALE, LAKE_START


@pytest.fixture(scope="session")
def ten_source_lake(spark, cfg) -> dict[str, tuple[dict, dict]]:
    """Generate the lake's landing files and truth, then run the ingest hop of every source in order:
    source → (ingest result, silver result)."""
    from ecomgen import generate
    from ecomlake.contracts import SOURCE_ORDER
    from orchestration import pipeline

    generate(cfg, list(SOURCE_ORDER), LAKE_START, LAKE_DAYS, LAKE_SEED, LAKE_SCALE)
    return {source: (pipeline.ingest(source), pipeline.build_silver(source)) for source in SOURCE_ORDER}


@pytest.fixture(scope="session")
def identity_lake(ten_source_lake, spark) -> dict:
    """The test lake's identity graph, resolved and published once (OneID and the customer marts read it)."""
    from orchestration import identity

    return identity.refresh_identity()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that change the shared lake for good (an erasure) run after every other test of the session."""
    items.sort(key=lambda item: item.get_closest_marker("changes_the_lake") is not None)  # a stable sort
