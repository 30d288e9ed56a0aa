"""Inventory: reservations beyond stock mean overselling; worth a warning, not a stop."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.gate import WARNING


def silver_rules() -> list:
    return [gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="on_hand", column_B="reserved", or_equal=True,
                                                        ignore_row_if="either_value_is_missing", mostly=0.99,
                                                        severity=WARNING)]
