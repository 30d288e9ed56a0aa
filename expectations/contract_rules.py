"""Expectations every source gets from its contract: required, allowed values, minimums, keys."""

from __future__ import annotations

import great_expectations.expectations as gxe
from pyspark.sql import DataFrame

from ecomlake.contracts import Contract
from expectations.gate import CRITICAL


def from_contract(contract: Contract) -> list:
    """Column rules of the contract, all critical: bronze must hold only rows that obey them."""
    rules: list = []
    for spec in contract.fields:
        if spec.required:
            rules.append(gxe.ExpectColumnValuesToNotBeNull(column=spec.name, severity=CRITICAL))
        if spec.allowed:
            rules.append(gxe.ExpectColumnValuesToBeInSet(column=spec.name, value_set=list(spec.allowed),
                                                         severity=CRITICAL))
        if spec.min is not None:
            rules.append(gxe.ExpectColumnValuesToBeBetween(column=spec.name, min_value=spec.min, severity=CRITICAL))
    return rules


def delivery_view(validated: DataFrame) -> DataFrame:
    """Every delivered line with the reason it was rejected (null when accepted)."""
    return validated.select("_source_file", "reason")


def delivery_suite(contract: Contract) -> list:
    """A delivery that is mostly broken is a broken feed: stop it rather than quarantine it line by line."""
    return [
        gxe.ExpectColumnValuesToBeNull(column="reason", mostly=1 - contract.max_quarantine_share,
                                       severity=CRITICAL),
    ]
