"""Change events (Debezium-style ``op``, ``before``, ``after``, ``ts_ms``) as Spark sees them."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F


def changed_row() -> Column:
    """The row a change event carries: ``before`` for a delete, else ``after``."""
    return F.when(F.col("op") == "d", F.col("before")).otherwise(F.col("after"))
