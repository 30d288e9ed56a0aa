"""Expectations every source gets from its contract: required, allowed values, minimums, keys."""

from __future__ import annotations

import great_expectations.expectations as gxe

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
