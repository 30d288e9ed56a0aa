"""A fingerprint of a set of quarantined records, comparable with any other list of them (e.g. ground truth).

Order-independent and additive, so Spark computes it as one aggregate over the quarantine table (nothing
collected to the driver) and Python computes the same figure from any list of ``(record hash, reason)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

DIGITS = 15  # hex digits of each pair's SHA-256 that are summed: 60 bits, exact in a decimal(38,0) sum
MODULUS = 16**DIGITS


def _digest(total: int, records: int) -> dict:
    return {"records": records, "sum": f"{total % MODULUS:0{DIGITS}x}"}


def fingerprint(records: Iterable[tuple[str, str]]) -> dict:
    """Count of the distinct ``(record hash, reason)`` pairs and the sum of their hash prefixes."""
    pairs = {f"{record_hash} {reason}" for record_hash, reason in records}
    return _digest(sum(int(hashlib.sha256(p.encode()).hexdigest()[:DIGITS], 16) for p in pairs), len(pairs))


def table_fingerprint(quarantine: DataFrame) -> dict:
    """:func:`fingerprint` of a quarantine table (columns ``_record_hash``, ``reason``), computed in Spark."""
    pairs = quarantine.select(F.concat_ws(" ", "_record_hash", "reason").alias("p")).distinct()
    prefix = F.conv(F.substring(F.sha2(F.col("p"), 256), 1, DIGITS), 16, 10).cast("decimal(38,0)")
    row = pairs.agg(F.count("*").alias("n"), F.sum(prefix).alias("total")).first()
    return _digest(int(row.total or 0), row.n)
