"""Operations marts: deliveries, fulfilment and service figures stay within what they can be."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.gate import CRITICAL, keyed, shares


def deliveries_suite() -> list:
    return [
        *keyed("shipment_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="order_id", severity=CRITICAL),
        # A parcel is delivered after its order: a negative duration is a clock or join error.
        gxe.ExpectColumnValuesToBeBetween(column="hours_to_deliver", min_value=0, severity=CRITICAL),
    ]


def fulfilment_daily_suite() -> list:
    return [
        *keyed("order_date", "carrier", "city_tier"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="shipments", column_B="delivered", or_equal=True,
                                                    severity=CRITICAL),
        *shares("on_time_share", "within_48h_share", "return_rate"),
    ]


def service_daily_suite() -> list:
    return [
        *keyed("opened_date", "ticket_channel", "ticket_category"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="tickets", column_B="responded", or_equal=True,
                                                    severity=CRITICAL),
        gxe.ExpectColumnValuesToBeBetween(column="nps", min_value=-100, max_value=100, severity=CRITICAL),
        *shares("answered_within_2_minutes_share"),
    ]


def product_performance_daily_suite() -> list:
    return [
        *keyed("activity_date", "sku_id"),
        gxe.ExpectColumnValuesToBeBetween(column="units", min_value=0, severity=CRITICAL),
        gxe.ExpectColumnValuesToBeBetween(column="gmv_fen", min_value=0, severity=CRITICAL),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="units", column_B="returned_units", or_equal=True,
                                                    severity=CRITICAL),
        *shares("return_rate"),
    ]


def inventory_daily_suite() -> list:
    return [
        *keyed("snapshot_date", "warehouse_id", "sku_id"),
        gxe.ExpectColumnValuesToBeInSet(column="snapshot_status", value_set=["counted", "no_file", "not_in_file"],
                                        severity=CRITICAL),
        # Silver quarantines negative counts: one here means a count bypassed the gate.
        gxe.ExpectColumnValuesToBeBetween(column="on_hand_units", min_value=0, severity=CRITICAL),
        gxe.ExpectColumnValuesToNotBeNull(column="last_counted_date", severity=CRITICAL),
        *shares("stockout_rate"),
    ]


def inventory_turnover_daily_suite() -> list:
    return [
        *keyed("snapshot_date", "sku_id"),
        gxe.ExpectColumnValuesToBeBetween(column="units_sold", min_value=0, severity=CRITICAL),
        gxe.ExpectColumnValuesToBeBetween(column="turnover_days", min_value=0, severity=CRITICAL),
        *shares("sell_through"),
    ]


def product_groups_daily_suite() -> list:
    return [
        *keyed("activity_date", "group_kind", "group_name"),
        gxe.ExpectColumnValuesToBeInSet(column="group_kind", value_set=["category", "brand", "role"],
                                        severity=CRITICAL),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="skus_sold", column_B="hot_items", or_equal=True,
                                                    severity=CRITICAL),
        *shares("gmv_share", "hot_item_gmv_share", "return_rate"),
    ]


def service_nps_by_segment_suite() -> list:
    return [
        *keyed("opened_date", "segment_kind", "segment"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="tickets", column_B="answers", or_equal=True,
                                                    severity=CRITICAL),
        gxe.ExpectColumnValuesToBeBetween(column="nps", min_value=-100, max_value=100, severity=CRITICAL),
    ]


def price_discrimination_findings_suite() -> list:
    return [
        # An empty audit is a result (no discrimination found), not a failure.
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["order_date", "order_hour"], severity=CRITICAL),
        gxe.ExpectColumnValuesToBeInSet(column="segment_kind", value_set=["city_tier", "member_level"],
                                        severity=CRITICAL),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="segment_lines", column_B="evidence_lines",
                                                    or_equal=True, severity=CRITICAL),
        gxe.ExpectColumnValuesToBeBetween(column="average_markup", min_value=0, severity=CRITICAL),
        *shares("marked_up_share", "evidence_share"),
    ]


def price_discrimination_evidence_suite() -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="order_id", severity=CRITICAL),
        # Evidence is a line that paid more than its reference price.
        gxe.ExpectColumnValuesToBeBetween(column="markup", min_value=0, strict_min=True, severity=CRITICAL),
    ]


def suspicious_orders_suite() -> list:
    return [
        *keyed("order_id"),
        *shares("brushing_score"),
        gxe.ExpectColumnValuesToBeBetween(column="device_accounts", min_value=1, severity=CRITICAL),
    ]
