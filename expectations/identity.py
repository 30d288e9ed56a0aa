"""The identity graph's gate: every identifier in at most one customer (none when it is a hub or shared), and no
customer glued out of many."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.gate import CRITICAL, keyed

# The most identifiers one customer may hold. A person with a few accounts, their phones, email, WeChat,
# devices and visitor ids holds 10–30; a hub that slipped through glues hundreds (a pick-up station's
# phone is typed in by every account of its district), so a bound well above the one and well below
# the other stops a glued graph before it reaches a profile.
MAX_IDENTIFIERS_PER_CUSTOMER = 100


def identity_map_suite() -> list:
    return [
        *keyed("identifier_type", "identifier"),
        gxe.ExpectColumnValuesToNotBeNull(column="customer_key", row_condition="not (is_hub or is_shared)",
                                          condition_parser="spark", severity=CRITICAL),
        gxe.ExpectColumnValuesToBeNull(column="customer_key", row_condition="is_hub or is_shared",
                                       condition_parser="spark", severity=CRITICAL),
        gxe.ExpectColumnMaxToBeBetween(column="customer_identifiers", max_value=MAX_IDENTIFIERS_PER_CUSTOMER,
                                       severity=CRITICAL),
    ]
