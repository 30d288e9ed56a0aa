"""The customer marts' gates: one row per customer, scores and stages in range, audiences unique per member,
and at least the 30 documented attributes the profile promises."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.gate import CRITICAL, WARNING, keyed, shares

MIN_ATTRIBUTES = 30
LIFECYCLE_STAGES = ["prospect", "new", "active", "won_back", "dormant", "churned"]


def customers_suite() -> list:
    return [
        *keyed("customer_key"),
        gxe.ExpectColumnValuesToNotBeNull(column="customer_key", severity=CRITICAL),
        gxe.ExpectColumnValuesToNotBeNull(column="marketing_consent", severity=CRITICAL),
        gxe.ExpectColumnValuesToBeInSet(column="lifecycle_stage", value_set=LIFECYCLE_STAGES, severity=CRITICAL),
        *[gxe.ExpectColumnValuesToBeBetween(column=score, min_value=1, max_value=5, severity=CRITICAL)
          for score in ("r_score", "f_score", "m_score")],
        gxe.ExpectColumnValuesToBeBetween(column="gmv_fen", min_value=0, severity=CRITICAL),
        # A customer with an account has its demographics; most customers have one (guests are the rest).
        gxe.ExpectColumnValuesToNotBeNull(column="primary_user_id", mostly=0.5, severity=WARNING),
    ]


def customer_identifiers_suite() -> list:
    return keyed("identifier_type", "identifier")


def audiences_suite() -> list:
    return [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["audience", "customer_key"], severity=CRITICAL),
        gxe.ExpectColumnValuesToNotBeNull(column="customer_key", severity=CRITICAL),
    ]


def customer_attribute_coverage_suite() -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=MIN_ATTRIBUTES, severity=CRITICAL),
        gxe.ExpectColumnValuesToBeUnique(column="attribute", severity=CRITICAL),
        *shares("coverage"),
        gxe.ExpectColumnValuesToNotBeNull(column="owner", severity=CRITICAL),
    ]
