"""Payments: money rules across attempts, and against the orders they pay for."""

from __future__ import annotations

import great_expectations.expectations as gxe
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from expectations.gate import CRITICAL, WARNING


def _money_per_order(payments: DataFrame) -> DataFrame:
    """Succeeded payments and refunds per order; ``paid_fen`` is null when no payment is known (yet)."""
    succeeded = payments.where(F.col("status") == "succeeded")
    return succeeded.groupBy("order_id").agg(
        F.sum(F.when(F.col("event_type") == "payment", F.col("amount_fen"))).alias("paid_fen"),
        F.sum(F.when(F.col("event_type") == "refund", F.col("amount_fen")).otherwise(0)).alias("refunded_fen"),
    )


def cross_checks(spark: SparkSession, payments: DataFrame) -> list[tuple[str, DataFrame, list]]:
    """Over ``payments``, silver.payments as it will be published; silver.orders as it is."""
    money = _money_per_order(payments)
    checks = [("silver.payments refunds", money, [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="paid_fen", column_B="refunded_fen", or_equal=True,
                                                    ignore_row_if="either_value_is_missing", severity=CRITICAL),
        # A refund of a payment made before the history began has nothing to compare with.
        gxe.ExpectColumnValuesToNotBeNull(column="paid_fen", mostly=0.5, severity=WARNING),
    ])]
    if spark.catalog.tableExists("silver.orders"):
        paid_orders = (
            spark.table("silver.orders").where(~F.col("_is_deleted") & F.col("is_paid")).select("order_id")
            .join(money.select("order_id", F.lit(True).alias("has_payment")), on="order_id", how="left")
            .select("order_id", F.coalesce("has_payment", F.lit(False)).alias("has_payment"))
        )
        # Orders and payments land on their own schedules: a paid order may wait a delivery for its payment.
        checks.append(("silver.orders paid orders have a payment", paid_orders, [
            gxe.ExpectColumnValuesToBeInSet(column="has_payment", value_set=[True], mostly=0.98, severity=WARNING),
        ]))
    return checks
