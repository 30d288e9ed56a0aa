"""The lake as the generator's scorers read it: with delta-rs, a second engine, never through Spark or the
platform's own reports."""

from __future__ import annotations

import os

from ecomlake.config import Settings


def query(cfg: Settings, sql: str, tables: dict[str, str]) -> list[tuple]:
    """Rows of ``sql`` over the latest versions of ``tables`` (name in the SQL → ``<database>.<table>``), run by
    delta-rs's DataFusion engine; a table never written raises (ask :func:`exists` first where that can be).

    Read by DataFusion: delta-rs's pyarrow dataset reader made the process abort at exit (``terminate called
    without an active exception``) after reading tables dbt had created, and took the main job's exit code
    with it."""
    import pyarrow as pa
    from deltalake import DeltaTable, QueryBuilder

    builder = QueryBuilder()
    for name, table in tables.items():
        builder.register(name, DeltaTable(_location(cfg, table), storage_options=_options()))
    result = pa.table(builder.execute(sql))
    return list(zip(*(column.to_pylist() for column in result.columns), strict=True))


def _location(cfg: Settings, table: str) -> str:
    database, name = table.split(".")
    return cfg.table_location(database, name).replace("s3a://", "s3://")


def _options() -> dict[str, str] | None:
    """Plain HTTP for an S3-compatible server on loopback (the aws profile's tests)."""
    return {"AWS_ALLOW_HTTP": "true"} if os.environ.get("AWS_ENDPOINT_URL", "").startswith("http:") else None


def exists(cfg: Settings, table: str) -> bool:
    from deltalake import DeltaTable

    return DeltaTable.is_deltatable(_location(cfg, table), storage_options=_options())


def read_table(cfg: Settings, database: str, table: str, columns: list[str]) -> dict[str, list]:
    """``columns`` of the latest version of ``<database>.<table>`` (no rows when it was never written)."""
    if not exists(cfg, f"{database}.{table}"):
        return {column: [] for column in columns}
    rows = query(cfg, "select " + ", ".join(f'"{column}"' for column in columns) + " from t",
                 {"t": f"{database}.{table}"})
    return {column: [row[n] for row in rows] for n, column in enumerate(columns)}
