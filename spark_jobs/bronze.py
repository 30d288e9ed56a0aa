"""Landing → bronze and quarantine, for any source, driven by its contract.

Exactly-once by file: a run first claims the files it will load (``ops.run_claims``, keyed by
run id), then each batch replaces the rows of its own files in one Delta commit per table
(``replaceWhere`` on ``_source_file``), and the processed-file ledger is written last. A
re-delivered file is not claimed again; a cleared or retried run re-loads exactly the files it
claimed and overwrites what it had written, with the same load time.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import reduce
from operator import and_

from delta.tables import DeltaTable
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ecomlake import storage
from ecomlake.config import Settings
from ecomlake.contracts import CDC_OPS, Contract, Reason
from ecomlake.pii import hmac_key
from ecomlake.sql import sql_in
from spark_jobs import erasure, readers
from spark_jobs.readers import first_reason
from spark_jobs.tables import ensure_table

log = logging.getLogger(__name__)

LEDGER = "ops.ingested_files"
APPLIED = "ops.applied_batches"
CLAIMS = "ops.run_claims"
# Each ledger is partitioned by source (or target) and every write names its partition, so the
# DAGs of different sources never touch the same files and never conflict.
LEDGER_SCHEMA = T.StructType([
    T.StructField("source", T.StringType(), False),
    T.StructField("source_file", T.StringType(), False),
    T.StructField("lines", T.LongType(), False),
    T.StructField("batch_id", T.StringType(), False),
    T.StructField("ingested_at", T.TimestampType(), False),
])
APPLIED_SCHEMA = T.StructType([
    T.StructField("target", T.StringType(), False),
    T.StructField("batch_id", T.StringType(), False),
    T.StructField("applied_at", T.TimestampType(), False),
])
CLAIMS_SCHEMA = T.StructType([
    T.StructField("source", T.StringType(), False),
    T.StructField("run_id", T.StringType(), False),
    T.StructField("batch_id", T.StringType(), False),
    T.StructField("source_file", T.StringType(), False),
    T.StructField("claimed_at", T.TimestampType(), False),
])
LEDGERS = ((LEDGER, LEDGER_SCHEMA, "source"), (APPLIED, APPLIED_SCHEMA, "target"), (CLAIMS, CLAIMS_SCHEMA, "source"))


@dataclass(frozen=True)
class Batch:
    """Files of one delivery that one run loads together; the same files always make the same batch id."""

    source: str
    batch_id: str
    files: tuple[str, ...]
    claimed_at: datetime

    @property
    def delivery(self) -> str:
        """``<source>/<delivery date>``."""
        return self.batch_id.rsplit("/", 1)[0]


@dataclass
class BronzeResult:
    source: str
    batch_id: str
    files: list[str]
    skipped_files: list[str]
    rows_in: int = 0
    rows_to_bronze: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)
    erased: int = 0  # records of people erased before (a replay, a backfill): not loaded, see spark_jobs.erasure


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


def _replace_files(df: DataFrame, table: str, files: tuple[str, ...]) -> None:
    """Atomically replace exactly the rows that came from ``files`` (one Delta commit)."""
    ensure_table(df.sparkSession, table, df.schema)
    (df.write.format("delta").mode("overwrite")
       .option("replaceWhere", sql_in("_source_file", files))
       .saveAsTable(table))


_LEDGERS_CHECKED: set[str] = set()  # Spark applications that have made sure the ledgers exist


def ensure_ledgers(spark: SparkSession) -> None:
    """Create the ledgers on first use; checked once per Spark application (they are never dropped, and every
    hop asks several times: three catalog lookups each)."""
    application = spark.sparkContext.applicationId
    if application in _LEDGERS_CHECKED:
        return
    for table, schema, partition in LEDGERS:
        ensure_table(spark, table, schema, partition)
    _LEDGERS_CHECKED.add(application)


def _merge_into(spark: SparkSession, table: str, rows: DataFrame, keys: tuple[str, ...], partition: str,
                value: str, update: bool) -> None:
    """Upsert ``rows`` into one partition of a ledger; the partition literal keeps concurrent sources apart."""
    on = reduce(and_, [F.col(f"t.{k}") == F.col(f"s.{k}") for k in keys], F.col(f"t.{partition}") == F.lit(value))
    merge = DeltaTable.forName(spark, table).alias("t").merge(rows.alias("s"), on)
    if update:
        merge = merge.whenMatchedUpdateAll()
    merge.whenNotMatchedInsertAll().execute()


def landed_files(cfg: Settings, contract: Contract, day: str | None = None) -> list[str]:
    """Landing-relative paths of the data files delivered for the source (optionally one day)."""
    return storage.at(cfg.landing_root).glob(f"{contract.source}/{day or '*'}/{contract.files}")


def batch_id_for(delivery: str, files: list[str] | tuple[str, ...]) -> str:
    """``<source>/<delivery date>/<digest of its files>``: the same files always make the same batch,
    a file added to a delivery later makes a new one."""
    digest = hashlib.sha256("\n".join(sorted(files)).encode()).hexdigest()[:12]
    return f"{delivery}/{digest}"


def _source_rows(spark: SparkSession, table: str, source: str, column: str = "source") -> DataFrame:
    return spark.table(table).where(F.col(column) == source)


def unclaimed(spark: SparkSession, source: str, files: list[str]) -> list[str]:
    """Those of ``files`` no run has claimed yet (anti-joins in Spark, not sets on the driver)."""
    if not files:
        return []
    ensure_ledgers(spark)
    landed = spark.createDataFrame([(f,) for f in files], "source_file string")
    claimed = _source_rows(spark, CLAIMS, source).select("source_file")
    loaded = _source_rows(spark, LEDGER, source).select("source_file")
    fresh = landed.join(claimed, "source_file", "left_anti").join(loaded, "source_file", "left_anti")
    return sorted(r.source_file for r in fresh.collect())


def claimed_batches(spark: SparkSession, source: str, run_id: str) -> list[Batch]:
    """The batches ``run_id`` claimed before (a cleared run redoes exactly these)."""
    ensure_ledgers(spark)
    rows = (_source_rows(spark, CLAIMS, source).where(F.col("run_id") == run_id)
            .groupBy("batch_id").agg(F.sort_array(F.collect_list("source_file")).alias("files"),
                                     F.min("claimed_at").alias("claimed_at"))
            .orderBy("batch_id").collect())
    return [Batch(source, r.batch_id, tuple(r.files), r.claimed_at) for r in rows]


def record_claims(spark: SparkSession, source: str, run_id: str, batches: list[Batch]) -> None:
    """Make ``batches`` this run's own: an append, not a MERGE (half the time), since a run records its claims
    once: :func:`orchestration.pipeline.claim` asks for the run's earlier claims first."""
    if not batches:
        return
    ensure_ledgers(spark)
    rows = spark.createDataFrame(
        [(source, run_id, b.batch_id, f, b.claimed_at) for b in batches for f in b.files], CLAIMS_SCHEMA)
    rows.write.format("delta").mode("append").saveAsTable(CLAIMS)


def load(spark: SparkSession, cfg: Settings, contract: Contract, batch: Batch,
         gate: Callable[[DataFrame, int], None] | None = None) -> BronzeResult:
    """Load exactly the files of ``batch`` into bronze and quarantine, replacing whatever they had written.

    ``gate`` sees the validated batch (and its size) before anything is written: when it raises, no table
    changes. The load time recorded is the batch's claim time, so re-loading a batch writes the same rows.
    """
    result = BronzeResult(contract.source, batch.batch_id, list(batch.files), [])
    log.info("%s: loading %d files as batch %s", contract.source, len(batch.files), batch.batch_id)
    records = (
        readers.read(spark, contract, [f"{cfg.landing_root}/{f}" for f in batch.files])
        .withColumn("_record_hash", F.sha2(F.col("value"), 256))
        .withColumn("_batch_id", F.lit(batch.batch_id))
        .withColumn("_ingested_at", F.lit(batch.claimed_at).cast("timestamp"))
    )
    validated = _slim(validate(records, contract)).persist()
    try:
        per_file = {r["_source_file"]: r["count"] for r in validated.groupBy("_source_file").count().collect()}
        loaded, result.erased = erasure.scrub(spark, validated, contract, hmac_key(cfg))
        reasons = loaded.where(F.col("reason").isNotNull()).groupBy("reason").count().collect()
        result.rows_in = sum(per_file.values())
        result.quarantined = {r["reason"]: r["count"] for r in reasons}
        result.rows_to_bronze = result.rows_in - sum(result.quarantined.values()) - result.erased
        if gate is not None:
            gate(loaded, result.rows_in - result.erased)
        _replace_files(to_bronze(loaded, contract), f"bronze.{contract.source}", batch.files)
        _replace_files(to_quarantine(loaded), f"quarantine.{contract.source}", batch.files)
        ensure_ledgers(spark)
        entries = spark.createDataFrame([(contract.source, f, per_file.get(f, 0), batch.batch_id, batch.claimed_at)
                                         for f in batch.files], LEDGER_SCHEMA)
        _merge_into(spark, LEDGER, entries, ("source_file",), "source", contract.source, update=True)
    finally:
        validated.unpersist()
    log.info("%s: %d rows in, %d to bronze, quarantined %s", contract.source, result.rows_in,
             result.rows_to_bronze, result.quarantined or "none")
    return result


def pending_batches(spark: SparkSession, source: str, target: str) -> list[str]:
    """Bronze batches of ``source`` that ``target`` has not applied yet (a crash-safe hand-over)."""
    ensure_ledgers(spark)
    loaded = _source_rows(spark, LEDGER, source).select("batch_id").distinct()
    applied = _source_rows(spark, APPLIED, target, "target").select("batch_id")
    return sorted(r.batch_id for r in loaded.join(applied, on="batch_id", how="left_anti").collect())


def mark_applied(spark: SparkSession, target: str, batch_ids: list[str]) -> None:
    if not batch_ids:
        return
    ensure_ledgers(spark)
    at = datetime.now(UTC).replace(tzinfo=None)
    rows = spark.createDataFrame([(target, b, at) for b in batch_ids], APPLIED_SCHEMA)
    _merge_into(spark, APPLIED, rows, ("batch_id",), "target", target, update=False)
