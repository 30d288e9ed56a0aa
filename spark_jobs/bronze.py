"""Landing → bronze and quarantine, for any source, driven by its contract.

Exactly-once by file: a batch replaces the rows of its own files in one Delta
commit per table (``replaceWhere`` on ``_source_file``), and the processed-file
ledger is written last. A re-delivered file is skipped; a batch killed
half-way is re-run from the ledger and overwrites what it had written.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from delta.tables import DeltaTable
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ecomlake import storage
from ecomlake.config import Settings
from ecomlake.contracts import CDC_OPS, Contract, Reason
from spark_jobs import readers
from spark_jobs.readers import first_reason

log = logging.getLogger(__name__)

LEDGER = "ops.ingested_files"
APPLIED = "ops.applied_batches"
APPLIED_SCHEMA = T.StructType([
    T.StructField("target", T.StringType(), False),
    T.StructField("batch_id", T.StringType(), False),
    T.StructField("applied_at", T.TimestampType(), False),
])
LEDGER_SCHEMA = T.StructType([
    T.StructField("source", T.StringType(), False),
    T.StructField("source_file", T.StringType(), False),
    T.StructField("lines", T.LongType(), False),
    T.StructField("batch_id", T.StringType(), False),
    T.StructField("ingested_at", T.TimestampType(), False),
])
@dataclass
class BronzeResult:
    source: str
    batch_id: str
    files: list[str]
    skipped_files: list[str]
    rows_in: int = 0
    rows_to_bronze: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)


def _mistyped(spark_type: str, typed: Column, delivered: Column) -> Column:
    """Whether a delivered value did not fit its type (parsing turned it, or part of it, into null).

    For an array of structs ``from_json`` keeps the array and nulls only the
    mistyped fields, so each element is compared key by key with the raw JSON.
    """
    if not spark_type.startswith("array<struct<"):
        return delivered.isNotNull() & typed.isNull()
    known = F.array(*[F.lit(name) for name in re.findall(r"(\w+):", spark_type)])
    raw_elements = F.from_json(delivered, "array<map<string,string>>")
    typed_elements = F.transform(typed, lambda e: F.from_json(F.to_json(e), "map<string,string>"))
    lost_a_value = F.zip_with(
        typed_elements, raw_elements,
        lambda p, r: F.exists(F.map_keys(r), lambda k: F.array_contains(known, k) & r[k].isNotNull() & p[k].isNull()),
    )
    return delivered.isNotNull() & (typed.isNull() | F.exists(lost_a_value, lambda lost: lost))


def _checks(contract: Contract) -> list[tuple[Column, str]]:
    """(failed?, reason) pairs in the order they are reported; the first failure wins."""
    checks: list[tuple[Column, str]] = [(F.col("_malformed").isNotNull(), F.col("_malformed"))]
    if contract.is_cdc:
        checks.append((~F.col("op").isin(*CDC_OPS) | F.col("op").isNull(), Reason.UNKNOWN_OP.value))
        checks.append((F.col("ts_ms").isNull(), f"{Reason.MISSING_REQUIRED}:ts_ms"))
    for spec in contract.fields:
        value = F.col(f"_row.`{spec.name}`")
        checks.append((_mistyped(spec.type, value, F.col(f"_raw.`{spec.name}`")), f"{Reason.BAD_TYPE}:{spec.name}"))
        if spec.required:
            checks.append((value.isNull(), f"{Reason.MISSING_REQUIRED}:{spec.name}"))
        if spec.allowed:
            checks.append((~value.isin(*spec.allowed), f"{Reason.NOT_ALLOWED}:{spec.name}"))
        if spec.min is not None:
            checks.append((value < spec.min, f"{Reason.OUT_OF_RANGE}:{spec.name}"))
        if spec.max is not None:
            checks.append((value > spec.max, f"{Reason.OUT_OF_RANGE}:{spec.name}"))
    return checks


def validate(records: DataFrame, contract: Contract) -> DataFrame:
    """Name the first contract rule each record breaks (``reason``, null when none); see :mod:`readers`."""
    return records.withColumn("reason", first_reason(_checks(contract)))


def _slim(validated: DataFrame) -> DataFrame:
    """What the writes and gates need, cached once: the raw text only of rejected records."""
    return validated.drop("_raw", "_malformed").withColumn(
        "value", F.when(F.col("reason").isNotNull(), F.col("value")))


def to_bronze(validated: DataFrame, contract: Contract) -> DataFrame:
    """Records as delivered (the CDC envelope, or the typed row) plus what the contract did not know, and load
    metadata."""
    payload = ["op", "ts_ms", "before", "after"] if contract.is_cdc else [f"_row.`{f.name}`" for f in contract.fields]
    return validated.where(F.col("reason").isNull()).select(
        *payload, "_rescued_data", "_source_file", "_record_hash", "_batch_id", "_ingested_at",
    )


def to_quarantine(validated: DataFrame) -> DataFrame:
    return validated.where(F.col("reason").isNotNull()).select(
        "reason", F.col("value").alias("raw_text"), "_source_file", "_record_hash", "_batch_id", "_ingested_at"
    )


def sql_list(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _replace_files(df: DataFrame, table: str, files: list[str]) -> None:
    """Atomically replace exactly the rows that came from ``files``."""
    quoted = sql_list(files)
    DeltaTable.createIfNotExists(df.sparkSession).tableName(table).addColumns(df.schema).execute()
    (df.write.format("delta").mode("overwrite")
       .option("replaceWhere", f"_source_file IN ({quoted})")
       .saveAsTable(table))


def _ensure_ledgers(spark: SparkSession) -> None:
    DeltaTable.createIfNotExists(spark).tableName(LEDGER).addColumns(LEDGER_SCHEMA).execute()
    DeltaTable.createIfNotExists(spark).tableName(APPLIED).addColumns(APPLIED_SCHEMA).execute()


def ingested_files(spark: SparkSession, source: str) -> set[str]:
    _ensure_ledgers(spark)
    rows = spark.table(LEDGER).where(F.col("source") == source).select("source_file").collect()
    return {r.source_file for r in rows}


def _record_in_ledger(spark: SparkSession, source: str, counts: dict[str, int], batch_id: str,
                      at: datetime) -> None:
    entries = spark.createDataFrame(
        [(source, f, n, batch_id, at) for f, n in sorted(counts.items())], LEDGER_SCHEMA
    )
    (DeltaTable.forName(spark, LEDGER).alias("t")
        .merge(entries.alias("s"), "t.source = s.source AND t.source_file = s.source_file")
        .whenNotMatchedInsertAll()
        .execute())


def landed_files(cfg: Settings, contract: Contract, day: str | None = None) -> list[str]:
    """Landing-relative paths of the data files delivered for the source (optionally one day)."""
    return storage.at(cfg.landing_root).glob(f"{contract.source}/{day or '*'}/{contract.files}")


def batch_id_for(delivery: str, files: list[str]) -> str:
    """``<source>/<delivery date>/<digest of its new files>``: the same files always make the same
    batch (a retry after a crash), a file added to a delivery later makes a new one."""
    digest = hashlib.sha256("\n".join(sorted(files)).encode()).hexdigest()[:12]
    return f"{delivery}/{digest}"


def load(spark: SparkSession, cfg: Settings, contract: Contract, files: list[str], delivery: str,
         done: set[str], gate: Callable[[DataFrame, int], None] | None = None) -> BronzeResult:
    """Ingest ``files`` of ``delivery`` (``<source>/<date>``) not in ``done`` into bronze and quarantine.

    ``done`` is the source's processed-file ledger (:func:`ingested_files`), read
    once per run. ``gate`` sees the validated batch (and its size) before anything is written:
    when it raises, no table changes and the files stay pending.
    """
    new = [f for f in files if f not in done]
    batch_id = batch_id_for(delivery, new)
    result = BronzeResult(contract.source, batch_id, new, [f for f in files if f in done])
    if not new:
        log.info("%s: nothing new (%d files already ingested)", contract.source, len(files))
        return result
    log.info("%s: ingesting %d files as batch %s", contract.source, len(new), batch_id)
    at = datetime.now(UTC).replace(tzinfo=None)
    records = (
        readers.read(spark, contract, [f"{cfg.landing_root}/{f}" for f in new])
        .withColumn("_record_hash", F.sha2(F.col("value"), 256))
        .withColumn("_batch_id", F.lit(batch_id))
        .withColumn("_ingested_at", F.lit(at).cast("timestamp"))
    )
    validated = _slim(validate(records, contract)).persist()
    try:
        per_file = {r["_source_file"]: r["count"] for r in validated.groupBy("_source_file").count().collect()}
        reasons = validated.where(F.col("reason").isNotNull()).groupBy("reason").count().collect()
        result.rows_in = sum(per_file.values())
        result.quarantined = {r["reason"]: r["count"] for r in reasons}
        result.rows_to_bronze = result.rows_in - sum(result.quarantined.values())
        if gate is not None:
            gate(validated, result.rows_in)
        _replace_files(to_bronze(validated, contract), f"bronze.{contract.source}", new)
        _replace_files(to_quarantine(validated), f"quarantine.{contract.source}", new)
        _record_in_ledger(spark, contract.source, {f: per_file.get(f, 0) for f in new}, batch_id, at)
    finally:
        validated.unpersist()
    log.info("%s: %d rows in, %d to bronze, quarantined %s", contract.source, result.rows_in,
             result.rows_to_bronze, result.quarantined or "none")
    return result


def pending_batches(spark: SparkSession, source: str, target: str) -> list[str]:
    """Bronze batches of ``source`` that ``target`` has not applied yet (a crash-safe hand-over)."""
    _ensure_ledgers(spark)
    loaded = spark.table(LEDGER).where(F.col("source") == source).select("batch_id").distinct()
    applied = spark.table(APPLIED).where(F.col("target") == target).select("batch_id")
    return sorted(r.batch_id for r in loaded.join(applied, on="batch_id", how="left_anti").collect())


def mark_applied(spark: SparkSession, target: str, batch_ids: list[str]) -> None:
    if not batch_ids:
        return
    at = datetime.now(UTC).replace(tzinfo=None)
    rows = spark.createDataFrame([(target, b, at) for b in batch_ids], APPLIED_SCHEMA)
    (DeltaTable.forName(spark, APPLIED).alias("t")
        .merge(rows.alias("s"), "t.target = s.target AND t.batch_id = s.batch_id")
        .whenNotMatchedInsertAll()
        .execute())


def forget(spark: SparkSession, source: str, target: str, deliveries: list[str]) -> list[str]:
    """Make the batches of ``deliveries`` pending again (a replay); returns their batch ids.

    The tables themselves are untouched here: re-loading a file replaces its own
    rows, and re-applying a batch to silver is a no-op for changes it already has.
    """
    _ensure_ledgers(spark)
    if not deliveries:
        return []
    prefixes = " OR ".join(f"startswith(batch_id, '{d.replace(chr(39), chr(39) * 2)}/')" for d in deliveries)
    batches = sorted(r.batch_id for r in spark.table(LEDGER).where(f"source = '{source}' AND ({prefixes})")
                     .select("batch_id").distinct().collect())
    if batches:
        spark.sql(f"DELETE FROM {LEDGER} WHERE source = '{source}' AND batch_id IN ({sql_list(batches)})")
        spark.sql(f"DELETE FROM {APPLIED} WHERE target = '{target}' AND batch_id IN ({sql_list(batches)})")
    return batches
