"""Suites for the orders data set: bronze from the contract plus OMS rules, and the daily mart."""

from __future__ import annotations

import great_expectations.expectations as gxe
from pyspark.sql import DataFrame

from ecomlake.contracts import CDC_OPS, load_contract
from expectations.contract_rules import from_contract
from expectations.gate import CRITICAL, WARNING
from spark_jobs.bronze import changed_row

CONTRACT = load_contract("orders")


def bronze_view(bronze: DataFrame) -> DataFrame:
    """One flat row per change event: the envelope plus the row it carries."""
    return bronze.select(
        "op", "ts_ms", changed_row().alias("row")
    ).select("op", "ts_ms", "row.*")


def bronze_suite() -> list:
    return [
        *from_contract(CONTRACT),
        gxe.ExpectColumnValuesToBeInSet(column="op", value_set=list(CDC_OPS), severity=CRITICAL),
        gxe.ExpectColumnValuesToNotBeNull(column="ts_ms", severity=CRITICAL),
        gxe.ExpectTableRowCountToBeBetween(min_value=1, severity=CRITICAL),
        # A discount larger than the order is a pricing bug upstream, not a reason to stop.
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="total_fen", column_B="discount_fen", or_equal=True, ignore_row_if="either_value_is_missing",
            mostly=0.95, severity=WARNING,
        ),
    ]


def orders_daily_suite() -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, severity=CRITICAL),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["order_date", "channel"], severity=CRITICAL),
        gxe.ExpectColumnValuesToBeInSet(column="channel", value_set=list(CONTRACT.field("channel").allowed),
                                        severity=CRITICAL),
        gxe.ExpectColumnValuesToBeBetween(column="gmv_fen", min_value=0, severity=CRITICAL),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="orders", column_B="paid_orders", or_equal=True,
                                                    severity=CRITICAL),
        gxe.ExpectColumnValuesToBeBetween(column="orders", min_value=1, severity=CRITICAL),
    ]
