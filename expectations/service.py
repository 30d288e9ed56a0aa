"""Service tickets: a ticket is answered and resolved after it is opened."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.gate import CRITICAL


def silver_rules() -> list:
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A=later, column_B="opened_at", or_equal=True,
                                                    ignore_row_if="either_value_is_missing", severity=CRITICAL)
        for later in ("first_response_at", "resolved_at")
    ]
