"""Every lakehouse table is an Airflow Asset named ``<layer>.<table>``.

The URI ``x-lakehouse://<layer>/<table>`` names the table in the shared
catalog, whichever profile stores it (local disk, S3): the same DAGs run
everywhere, and the asset graph does not change with the storage.
"""

from __future__ import annotations

from airflow.sdk import Asset


def table_asset(table: str) -> Asset:
    """``table`` is ``<layer>.<name>``, as in SQL."""
    layer, name = table.split(".")
    return Asset(name=table, uri=f"x-lakehouse://{layer}/{name}", group=layer)
