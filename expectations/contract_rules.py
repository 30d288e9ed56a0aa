"""Expectations every source gets from its contract, for its delivery, bronze and silver tables.

Business rules a contract cannot express live in one module per dataset, listed
in :mod:`expectations.registry`; :func:`bronze_suite`, :func:`silver_suite` and
:func:`cross_checks` add them. No rule reads the clock: an event is "in the
future" against its own delivery's date, so replaying a delivery years later
gives the same verdict.
"""

from __future__ import annotations

import great_expectations.expectations as gxe
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ecomlake.contracts import CDC_OPS, Contract, Field
from expectations import registry
from expectations.gate import CRITICAL, WARNING

TOKEN_PATTERN = "^[0-9a-f]{64}$"
FUTURE = "_event_in_future"
# A delivery holds events up to the end of its (UTC) day: the last hourly clickstream file ends at midnight.
# Device clocks drift, so an event up to an hour past that is still plausible.
FUTURE_TOLERANCE = "INTERVAL 1 HOUR"


def from_contract(fields: tuple[Field, ...] | list[Field]) -> list:
    """Column rules of the contract, all critical."""
    rules: list = []
    for spec in fields:
        if spec.required:
            rules.append(gxe.ExpectColumnValuesToNotBeNull(column=spec.name, severity=CRITICAL))
        if spec.allowed:
            rules.append(gxe.ExpectColumnValuesToBeInSet(column=spec.name, value_set=list(spec.allowed),
                                                         severity=CRITICAL))
        if spec.min is not None or spec.max is not None:
            rules.append(gxe.ExpectColumnValuesToBeBetween(column=spec.name, min_value=spec.min, max_value=spec.max,
                                                           severity=CRITICAL))
    return rules


def _event_time(contract: Contract) -> Column:
    if contract.is_cdc:
        return F.timestamp_millis("ts_ms")
    return F.col(contract.event_time).cast("timestamp")


def _delivery_day() -> Column:
    """The delivery date of a bronze record: ``_source_file`` is ``<source>/<delivery date>/<file>``."""
    return F.to_date(F.split("_source_file", "/")[1])


def _in_future(event_time: Column, delivered_on: Column) -> Column:
    """Later than the end of the delivery's own day plus the tolerance (sessions run in UTC, ecomlake.spark)."""
    return (event_time > F.date_add(delivered_on, 1).cast("timestamp") + F.expr(FUTURE_TOLERANCE)).alias(FUTURE)


def delivery_view(validated: DataFrame) -> DataFrame:
    """Every delivered record with the reason it was rejected (null when accepted)."""
    return validated.select("_source_file", "reason")


def delivery_suite(contract: Contract, records: int) -> list:
    """A delivery that is mostly broken is a broken feed: stop it rather than quarantine it record by record.

    One bad record is always tolerated: in a delivery of ten it is 10%, but no sign of a broken feed.
    """
    share = max(contract.max_quarantine_share, 1 / max(records, 1))
    mostly = max(0.0, 1 - share - 1e-9)  # exactly at the limit still passes, whatever the float rounding
    return [gxe.ExpectColumnValuesToBeNull(column="reason", mostly=mostly, severity=CRITICAL)]


def bronze_view(bronze: DataFrame, contract: Contract) -> DataFrame:
    """One flat row per record (a CDC event's envelope plus the row it carries), with the event-time check."""
    if contract.is_cdc:
        from ecomlake.cdc import changed_row

        envelope = ["op", "ts_ms", "_source_file"]
        bronze = bronze.select(*envelope, changed_row().alias("_r")).select(*envelope, "_r.*")
    return bronze.withColumn(FUTURE, _in_future(_event_time(contract), _delivery_day()))


def bronze_suite(contract: Contract) -> list:
    """What bronze promises beyond the contract checks its loader already applied record by record."""
    envelope = [
        gxe.ExpectColumnValuesToBeInSet(column="op", value_set=list(CDC_OPS), severity=CRITICAL),
    ] if contract.is_cdc else []
    return [
        *[gxe.ExpectColumnValuesToNotBeNull(column=key, severity=CRITICAL) for key in contract.key],
        *envelope,
        gxe.ExpectColumnValuesToBeInSet(column=FUTURE, value_set=[False], severity=CRITICAL),
        *registry.rules(contract.source, "bronze_rules"),
    ]


def silver_view(silver: DataFrame, contract: Contract) -> DataFrame:
    """The live rows of a silver table (CDC tombstones aside), with the event-time check against ``_delivered_on``."""
    if contract.is_cdc:
        silver = silver.where(~F.col("_is_deleted"))
        event_time = F.timestamp_millis("_changed_at_ms")
    else:
        event_time = _event_time(contract)
    return silver.withColumn(FUTURE, _in_future(event_time, F.col("_delivered_on")))


def _unchanged_in_silver(contract: Contract) -> list[Field]:
    return [f for f in contract.fields if not f.pii and not f.name.endswith("_yuan")]


def silver_suite(contract: Contract) -> list:
    """Keys unique, contract rules on the columns silver keeps as they were, PII only as tokens."""
    key_unique = ([gxe.ExpectColumnValuesToBeUnique(column=contract.key[0], severity=CRITICAL)]
                  if len(contract.key) == 1 and contract.silver.history is None else
                  [gxe.ExpectCompoundColumnsToBeUnique(
                      column_list=[*contract.key, *(["valid_from"] if contract.silver.history else [])],
                      severity=CRITICAL)])
    tokens = [gxe.ExpectColumnValuesToMatchRegex(column=f"{f.name}_token", regex=TOKEN_PATTERN, severity=CRITICAL)
              for f in contract.fields if f.pii and f.pii != "free_text"]
    money = [gxe.ExpectColumnValuesToBeBetween(column=f.name.removesuffix("_yuan") + "_fen", min_value=0,
                                               severity=CRITICAL)
             for f in contract.fields if f.name.endswith("_yuan")]
    return [
        *key_unique,
        *from_contract(_unchanged_in_silver(contract)),
        *tokens,
        *money,
        gxe.ExpectColumnValuesToBeInSet(column=FUTURE, value_set=[False], severity=CRITICAL),
        gxe.ExpectTableRowCountToBeBetween(min_value=1, severity=WARNING),
        *registry.rules(contract.source, "silver_rules"),
    ]


def cross_checks(spark, contract: Contract, silver: DataFrame) -> list[tuple[str, DataFrame, list]]:
    """(name, view, expectations) of rules that span tables, over ``silver``: the source's silver table as it
    will be published (the audit of write-audit-publish), never the version readers still see."""
    return registry.rules(contract.source, "cross_checks", spark, silver)
