"""What each source's ingestion kept, rejected and published, against DuckDB reading the delivered files.

The lake's figures are those it held right after its two days were ingested (other modules deliver more).

DuckDB's side (``ecomgen.bench.duck``, the benchmark's second engine) is written from the contracts: it parses
the landing files itself, names the first rule each record breaks, and keeps the newest valid record per key.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ecomgen.bench import duck
from ecomlake.contracts import SOURCE_ORDER, load_contract


@pytest.mark.parametrize("source", SOURCE_ORDER)
def test_the_lake_holds_what_duckdb_reads_from_the_delivered_files(as_first_loaded, cfg, lake_days, source):
    contract = load_contract(source)
    delivered = duck.delivered_files(Path(str(cfg.landing_root)), contract, [day.isoformat() for day in lake_days])
    con = duckdb.connect(config={"threads": 2})
    duck.land(con, contract, delivered)
    duck.build_latest(con, contract)
    expected = duck.source_figures(con, contract)
    assert expected[("records",)][0] > 0 and expected[("live",)][0] > 0
    assert as_first_loaded[source] == expected
