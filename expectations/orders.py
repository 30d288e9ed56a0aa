"""Orders: OMS rules beyond the contract, and the suite of the daily orders mart."""

from __future__ import annotations

import great_expectations.expectations as gxe

from ecomlake.contracts import load_contract
from expectations.gate import CRITICAL, WARNING, keyed

CONTRACT = load_contract("orders")


def bronze_rules() -> list:
    return [
        # A discount larger than the order is a pricing bug upstream, not a reason to stop.
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="total_fen", column_B="discount_fen", or_equal=True, ignore_row_if="either_value_is_missing",
            mostly=0.95, severity=WARNING,
        ),
    ]


def silver_rules() -> list:
    return [gxe.ExpectColumnValuesToBeBetween(column="item_quantity", min_value=0, severity=CRITICAL)]


def orders_daily_suite() -> list:
    return [
        *keyed("order_date", "channel"),
        gxe.ExpectColumnValuesToBeInSet(column="channel", value_set=list(CONTRACT.field("channel").allowed),
                                        severity=CRITICAL),
        gxe.ExpectColumnValuesToBeBetween(column="gmv_fen", min_value=0, severity=CRITICAL),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="orders", column_B="paid_orders", or_equal=True,
                                                    severity=CRITICAL),
        gxe.ExpectColumnValuesToBeBetween(column="orders", min_value=1, severity=CRITICAL),
    ]
