"""The test lake as a second engine reads it: DuckDB over delta-rs, never through Spark or the platform."""

from __future__ import annotations

import duckdb
from deltalake import DeltaTable


def duck(cfg, *tables: str) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with ``tables`` (``layer.name``) registered as ``layer_name``, read by delta-rs."""
    con = duckdb.connect()
    for table in tables:
        layer, name = table.split(".")
        con.register(f"{layer}_{name}", DeltaTable(cfg.table_location(layer, name)).to_pyarrow_table())
    return con
