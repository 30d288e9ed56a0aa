"""The ten-source test lake, built once per session and shared by the Spark test modules that score it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
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


_AS_FIRST_LOADED: dict[str, dict] = {}


@pytest.fixture(scope="session")
def ten_source_lake(spark, cfg) -> dict[str, tuple[dict, dict]]:
    """Generate the lake's landing files and truth, then run the ingest hop of every source in order:
    source → (ingest result, silver result). What the lake then holds per source is kept (see
    :func:`as_first_loaded`) before other modules deliver more."""
    from ecomgen import generate
    from ecomgen.bench.lake_figures import source_figures
    from ecomlake.contracts import SOURCE_ORDER, load_contract
    from orchestration import pipeline

    generate(cfg, list(SOURCE_ORDER), LAKE_START, LAKE_DAYS, LAKE_SEED, LAKE_SCALE)
    loaded = {source: (pipeline.ingest(source), pipeline.build_silver(source)) for source in SOURCE_ORDER}
    _AS_FIRST_LOADED.update({source: source_figures(cfg, load_contract(source)) for source in SOURCE_ORDER})
    return loaded


@pytest.fixture(scope="session")
def as_first_loaded(ten_source_lake) -> dict[str, dict]:
    """Per source, the records the ledger counted, quarantined per reason and silver's live rows (read with
    delta-rs) right after the lake's two days were ingested."""
    return _AS_FIRST_LOADED


@pytest.fixture(scope="session")
def identity_lake(ten_source_lake, spark) -> dict:
    """The test lake's identity graph, resolved and published once (OneID and the customer marts read it)."""
    from orchestration import identity

    return identity.refresh_identity()


@pytest.fixture(scope="session")
def marketing_marts(identity_lake, spark) -> dict:
    """The marketing marts built and published once (their module, the board and the docs read them)."""
    from orchestration import marts
    from orchestration.dbt import mart_models

    return marts.refresh_marts(mart_models("marketing"))


@pytest.fixture(scope="session")
def operations_marts(identity_lake, spark) -> dict:
    """The operations marts built and published once (they read the identity graph for service NPS)."""
    from orchestration import marts
    from orchestration.dbt import mart_models

    return marts.refresh_marts(mart_models("operations"))


@pytest.fixture(scope="session")
def duck(cfg) -> Callable:
    """``duck("silver.orders", ...)``: a DuckDB connection with those tables (``layer.name``) registered as
    ``layer_name``, read by delta-rs: the second engine the tests reconcile the marts with."""
    import duckdb
    from deltalake import DeltaTable

    def connect(*tables: str) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        for table in tables:
            layer, name = table.split(".")
            con.register(f"{layer}_{name}", DeltaTable(cfg.table_location(layer, name)).to_pyarrow_table())
        return con

    return connect


# What a numeric mart column's description must name: its unit.
UNIT = re.compile(r"(?i)\b(fen|share|ratio|orders?|customers?|visitors?|impressions|clicks|sessions|landings|"
                  r"members|coupons|claims|weeks|days|yuan|hours|minutes|points|shipments|tickets|answers|views|events|units|warehouses|SKUs|tier|lines|seconds)\b")


@pytest.fixture(scope="session")
def docs_gaps(cfg, identity_lake) -> Callable:
    """``docs_gaps(group)``: ``dbt docs generate``, then every column of the group's marts as the catalog reads
    the tables that has no description, or is numeric and names no unit (empty: all documented). The docs site
    documents every model, so the customer marts (on the identity graph) are built first if they are not yet."""
    from deltalake import DeltaTable

    from orchestration import marts
    from orchestration.dbt import dbt_state, mart_models

    def gaps(group: str) -> list[str]:
        if not DeltaTable.is_deltatable(cfg.table_location("marts", "customer_attribute_coverage")):
            marts.refresh_marts(mart_models("customers"))  # the docs site's customers page reads it
        marts.generate_docs()
        site = dbt_state("docs")
        manifest = json.loads((site / "manifest.json").read_text())
        catalog = json.loads((site / "catalog.json").read_text())
        found = []
        for mart in mart_models(group):
            node = f"model.ecomlake.{mart.split('.')[1]}"
            documented = manifest["nodes"][node]["columns"]
            for column, spec in catalog["nodes"][node]["columns"].items():
                description = documented.get(column, {}).get("description", "")
                if not description:
                    found.append(f"{mart}.{column}: no description")
                elif spec["type"].lower() in ("bigint", "double", "int", "decimal") and not UNIT.search(description):
                    found.append(f"{mart}.{column}: no unit in {description!r}")
        return found

    return gaps


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that change the shared lake for good (an erasure) run after every other test of the session."""
    items.sort(key=lambda item: item.get_closest_marker("changes_the_lake") is not None)  # a stable sort
