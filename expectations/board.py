"""The board: one row per day, its shares and ratios within what they can be."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.gate import CRITICAL, keyed, shares


def _daily(*columns: str) -> list:
    return [
        *keyed("activity_date"),
        *shares(*columns),
    ]


def board_user_behaviour_daily_suite() -> list:
    return [*_daily("answered_within_2_minutes_share"),
            gxe.ExpectColumnValuesToBeBetween(column="nps", min_value=-100, max_value=100, severity=CRITICAL)]


def board_product_performance_daily_suite() -> list:
    return _daily("return_rate", "hot_item_gmv_share", "stockout_rate", "within_48h_share", "on_time_share")


def board_marketing_effect_daily_suite() -> list:
    return [*_daily("ctr"), gxe.ExpectColumnValuesToBeBetween(column="spend_fen", min_value=0, severity=CRITICAL)]
