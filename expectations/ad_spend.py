"""Ad spend: platform figures must be internally consistent."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.gate import CRITICAL


def silver_rules() -> list:
    return [gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="impressions", column_B="clicks", or_equal=True,
                                                        ignore_row_if="either_value_is_missing", severity=CRITICAL)]
