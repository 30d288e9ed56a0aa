"""Delta tables the jobs own: created on first use, by bronze's ledgers and the erasure's records alike."""

from __future__ import annotations

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import types as T


def ensure_table(spark: SparkSession, table: str, schema: T.StructType, partition: str | None = None) -> None:
    """Create ``table`` on first use; one catalog lookup when it exists (``createIfNotExists`` costs dozens)."""
    if spark.catalog.tableExists(table):
        return
    builder = DeltaTable.createIfNotExists(spark).tableName(table).addColumns(schema)
    if partition:
        builder = builder.partitionedBy(partition)
    builder.execute()
