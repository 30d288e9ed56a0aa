"""The lake as the generator's scorers read it: with delta-rs, a second engine, never through Spark or the
platform's own reports."""

from __future__ import annotations

import os

from ecomlake.config import Settings


def read_table(cfg: Settings, database: str, table: str, columns: list[str]) -> dict[str, list]:
    """``columns`` of the latest version of ``<database>.<table>`` (no rows when it was never written)."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    location = cfg.table_location(database, table).replace("s3a://", "s3://")
    options = {"AWS_ALLOW_HTTP": "true"} if os.environ.get("AWS_ENDPOINT_URL", "").startswith("http:") else None
    try:
        return DeltaTable(location, storage_options=options).to_pyarrow_table(columns=columns).to_pydict()
    except TableNotFoundError:
        return {column: [] for column in columns}
