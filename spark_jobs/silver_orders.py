"""bronze.orders → silver.orders: the latest state of each order, CDC applied with MERGE.

Order of application is event time (``ts_ms``), not arrival: a late or
replayed event never rolls an order back. Within one millisecond the status
that comes later in the lifecycle wins. PII becomes keyed tokens.
"""

from __future__ import annotations

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from ecomlake.pii import hmac_sha256
from spark_jobs.bronze import changed_row

TABLE = "silver.orders"
STATUS_RANK = {"created": 0, "paid": 1, "shipped": 2, "delivered": 3, "cancelled": 4, "refunded": 5}


def _status_rank(status: str) -> F.Column:
    rank = F.lit(None).cast("int")
    for name, value in STATUS_RANK.items():
        rank = F.when(F.col(status) == name, F.lit(value)).otherwise(rank)
    return rank


def latest_changes(bronze: DataFrame) -> DataFrame:
    """One row per order: its newest change by event time, then lifecycle rank, then hash."""
    changes = bronze.select(
        "op",
        "ts_ms",
        "_record_hash",
        "_batch_id",
        changed_row().alias("row"),
    ).select("op", "ts_ms", "_record_hash", "_batch_id", "row.*")
    newest_first = Window.partitionBy("order_id").orderBy(
        F.col("ts_ms").desc(), _status_rank("status").desc(), F.col("_record_hash").desc()
    ).rowsBetween(Window.unboundedPreceding, Window.currentRow)
    return (
        changes.withColumn("_rank", F.row_number().over(newest_first))
        .where(F.col("_rank") == 1)
        .drop("_rank")
    )


def transform(bronze: DataFrame, hmac_key: bytes) -> DataFrame:
    """Conformed silver rows (with ``op`` kept for the merge to apply deletes)."""
    latest = latest_changes(bronze)
    return latest.select(
        F.col("order_id"),
        F.col("user_id"),
        F.col("channel"),
        F.col("status"),
        F.col("device_id"),
        hmac_sha256(F.col("shipping_phone"), hmac_key).alias("shipping_phone_token"),
        hmac_sha256(F.col("shipping_address"), hmac_key).alias("shipping_address_token"),
        F.coalesce(F.aggregate("items", F.lit(0), lambda acc, i: acc + i["quantity"]), F.lit(0)).alias(
            "item_quantity"
        ),
        F.col("total_fen"),
        F.coalesce(F.col("discount_fen"), F.lit(0)).cast("bigint").alias("discount_fen"),
        _status_rank("status").isin(1, 2, 3).alias("is_paid"),
        F.to_date("created_at").alias("order_date"),
        F.col("created_at"),
        F.col("updated_at"),
        F.col("ts_ms").alias("_changed_at_ms"),
        F.col("_batch_id"),
        F.col("op").alias("_op"),
    )


def _rank_sql(alias: str) -> str:
    cases = " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in STATUS_RANK.items())
    return f"CASE {alias}.status {cases} END"


def merge(spark: SparkSession, changes: DataFrame, table: str = TABLE) -> None:
    """Apply changes newer than what silver holds (same order as :func:`latest_changes`); deletes delete."""
    columns = [c for c in changes.columns if c != "_op"]
    DeltaTable.createIfNotExists(spark).tableName(table).addColumns(
        changes.select(*columns).schema
    ).execute()
    newer = (f"(s._changed_at_ms > t._changed_at_ms OR (s._changed_at_ms = t._changed_at_ms"
             f" AND {_rank_sql('s')} > {_rank_sql('t')}))")
    (
        DeltaTable.forName(spark, table).alias("t")
        .merge(changes.alias("s"), "t.order_id = s.order_id")
        .whenMatchedDelete(condition=f"s._op = 'd' AND {newer}")
        .whenMatchedUpdate(condition=f"s._op <> 'd' AND {newer}",
                           set={c: f"s.{c}" for c in columns})
        .whenNotMatchedInsert(condition="s._op <> 'd'", values={c: f"s.{c}" for c in columns})
        .execute()
    )


def run(spark: SparkSession, batch_ids: list[str], hmac_key: bytes) -> None:
    """Merge the bronze rows of ``batch_ids`` into silver, oldest batch first."""
    for batch_id in sorted(batch_ids):
        bronze = spark.table("bronze.orders").where(F.col("_batch_id") == batch_id)
        merge(spark, transform(bronze, hmac_key))
