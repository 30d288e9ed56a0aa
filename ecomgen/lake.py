"""The lake as the generator's scorers read it: with delta-rs, a second engine, never through Spark or the
platform's own reports."""

from __future__ import annotations

import os

from ecomlake.config import Settings


def read_table(cfg: Settings, database: str, table: str, columns: list[str]) -> dict[str, list]:
    """``columns`` of the latest version of ``<database>.<table>`` (no rows when it was never written).

    Read by delta-rs's DataFusion reader: its pyarrow dataset reader made the process abort at exit
    (``terminate called without an active exception``) after reading tables dbt had created, and took the main
    job's exit code with it."""
    import pyarrow as pa
    from deltalake import DeltaTable, QueryBuilder
    from deltalake.exceptions import TableNotFoundError

    location = cfg.table_location(database, table).replace("s3a://", "s3://")
    options = {"AWS_ALLOW_HTTP": "true"} if os.environ.get("AWS_ENDPOINT_URL", "").startswith("http:") else None
    try:
        delta = DeltaTable(location, storage_options=options)
    except TableNotFoundError:
        return {column: [] for column in columns}
    selected = ", ".join(f'"{column}"' for column in columns)
    return pa.table(QueryBuilder().register("t", delta).execute(f"select {selected} from t")).to_pydict()
