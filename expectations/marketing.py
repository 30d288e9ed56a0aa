"""Marketing marts: attribution credits are shares of whole orders, under the models the marts document."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.gate import CRITICAL, keyed, shares

MODELS = ["first_touch", "last_touch", "last_non_direct", "linear", "time_decay", "position_based", "shapley",
          "markov"]


def order_attribution_suite() -> list:
    return [
        *keyed("order_id", "attribution_model", "touch"),
        gxe.ExpectColumnValuesToBeInSet(column="attribution_model", value_set=MODELS, severity=CRITICAL),
        gxe.ExpectColumnValuesToNotBeNull(column="credit", severity=CRITICAL),
        # Credits are shares of an order (a dbt test checks each order's sum, to 1e-9): rounding aside, in [0, 1].
        gxe.ExpectColumnValuesToBeBetween(column="credit", min_value=0, max_value=1 + 1e-9, severity=CRITICAL),
    ]


def attribution_by_campaign_suite() -> list:
    return [
        *keyed("campaign_id", "attribution_model"),
        gxe.ExpectColumnValuesToBeInSet(column="attribution_model", value_set=MODELS, severity=CRITICAL),
        gxe.ExpectColumnValuesToNotBeNull(column="platform", severity=CRITICAL),
    ]


def campaign_performance_daily_suite() -> list:
    return [
        *keyed("activity_date", "campaign_id"),
        gxe.ExpectColumnValuesToBeBetween(column="spend_fen", min_value=0, severity=CRITICAL),
        gxe.ExpectColumnValuesToBeBetween(column="landings", min_value=0, severity=CRITICAL),
        *shares("ctr"),
        gxe.ExpectColumnValuesToBeBetween(column="roas", min_value=0, severity=CRITICAL),
    ]


def gmv_tree_daily_suite() -> list:
    return [
        *keyed("activity_date", "channel"),
        gxe.ExpectColumnValuesToBeBetween(column="visitors", min_value=1, severity=CRITICAL),
        gxe.ExpectColumnValuesToBeBetween(column="gmv_fen", min_value=0, severity=CRITICAL),
    ]


def coupon_performance_suite() -> list:
    return [
        *keyed("template_id"),
        *shares("redemption_rate"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="orders_lift_high", column_B="orders_lift_low",
                                                    or_equal=True, ignore_row_if="either_value_is_missing",
                                                    severity=CRITICAL),
    ]


def customer_cohorts_suite() -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, severity=CRITICAL),
        *shares("retention_rate", "repurchase_rate"),
    ]


def ltv_by_acquisition_channel_suite() -> list:
    return [
        *keyed("cohort_month", "acquisition_channel"),
        gxe.ExpectColumnValuesToBeBetween(column="customers", min_value=1, severity=CRITICAL),
    ]
