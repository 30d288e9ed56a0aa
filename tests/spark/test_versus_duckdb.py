"""What each source's ingestion kept, rejected and published, against DuckDB reading the very files Spark loaded.

DuckDB's side (``ecomgen.bench.duck``, the benchmark's second engine) is written from the contracts: it parses
the landing files itself, names the first rule each record breaks, and keeps the newest valid record per key.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ecomgen.bench import duck, lake_figures
from ecomgen.lake import query
from ecomlake.contracts import SOURCE_ORDER, load_contract


@pytest.mark.parametrize("source", SOURCE_ORDER)
def test_the_lake_holds_what_duckdb_reads_from_the_files_spark_loaded(ten_source_lake, cfg, source):
    contract = load_contract(source)
    loaded = [row[0] for row in query(cfg, f"select source_file from f where source = '{source}'",
                                      {"f": "ops.ingested_files"})]
    con = duckdb.connect(config={"threads": 2})
    duck.land(con, contract, [Path(str(cfg.landing_root)) / f for f in loaded])
    duck.build_latest(con, contract)
    expected = duck.source_figures(con, source)
    assert expected[("records",)][0] > 0 and expected[("live",)][0] > 0
    assert lake_figures.source_figures(cfg, contract) == expected
