"""bronze.<source> → silver.<entity>, for any source, driven by the ``silver`` section of its contract.

- **Conform**: PII becomes keyed tokens (``<field>_token``; phones and emails
  normalised first so the same phone gives the same token in every source),
  free text is redacted, yuan becomes fen, the contract's derived columns are added.
- **Latest state** (``order_by``): one row per key, the newest by the contract's
  order (event time, then lifecycle for ``ordered`` fields), then delivery date,
  then record hash; applied with a MERGE that only ever moves a row forward, so
  late, replayed and re-delivered records never roll it back. A CDC delete
  leaves a tombstone (``_is_deleted``, every non-key value null), so an older
  event that arrives after it cannot bring the row back.
- **SCD2** (``history: scd2``): every version of the ``tracked`` columns with
  ``valid_from`` / ``valid_to``, rebuilt from the whole bronze history (snapshots
  are small, and a rebuild is exact whatever order they arrived in).
"""

from __future__ import annotations

from delta.tables import DeltaTable
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from ecomlake.cdc import changed_row
from ecomlake.contracts import Contract, Field
from ecomlake.pii import hmac_sha256
from spark_jobs.bronze import sql_list

CHANGED_AT = "_changed_at_ms"  # a CDC event's ts_ms, in silver
PHONE_IN_TEXT = r"(\+?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}"
EMAIL_IN_TEXT = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"


def normalized_phone(value: Column) -> Column:
    """Digits only, without the +86 country code: ``+86 138-1234-5678`` and ``13812345678`` are one phone."""
    digits = F.regexp_replace(value, "[^0-9]", "")
    return F.when((F.length(digits) == 13) & digits.startswith("86"), F.substring(digits, 3, 11)).otherwise(
        F.nullif(digits, F.lit("")))


def _protected(spec: Field, key: bytes) -> Column:
    value = F.col(spec.name)
    if spec.pii == "free_text":
        redacted = F.regexp_replace(F.regexp_replace(value, EMAIL_IN_TEXT, "[email]"), PHONE_IN_TEXT, "[phone]")
        return redacted.alias(spec.name)
    normalized = {"phone": normalized_phone(value), "email": F.lower(F.trim(value))}.get(spec.pii, F.trim(value))
    return hmac_sha256(normalized, key).alias(f"{spec.name}_token")


def _silver_column(spec: Field, key: bytes) -> Column:
    if spec.pii:
        return _protected(spec, key)
    if spec.name.endswith("_yuan"):
        return F.round(F.col(spec.name) * 100).cast("bigint").alias(spec.name.removesuffix("_yuan") + "_fen")
    return F.col(spec.name)


def _metadata(contract: Contract) -> list[Column]:
    columns = [
        F.col("_rescued_data"),
        F.to_date(F.split("_source_file", "/")[1]).alias("_delivered_on"),
        F.col("_record_hash"),
        F.col("_batch_id"),
    ]
    if contract.is_cdc:
        columns = [F.col("ts_ms").alias(CHANGED_AT), (F.col("op") == "d").alias("_is_deleted"), *columns]
    return columns


def conform(bronze: DataFrame, contract: Contract, key: bytes) -> DataFrame:
    """Silver rows for bronze records (one per record; see :func:`latest` to keep the newest per key)."""
    if contract.is_cdc:
        bronze = bronze.select("*", changed_row().alias("_changed")).select("*", "_changed.*")
    derived = [F.expr(sql).alias(name) for name, sql in contract.silver.derive.items()]
    rows = bronze.select(*[_silver_column(f, key) for f in contract.fields], *derived, *_metadata(contract))
    if not contract.is_cdc:
        return rows
    # A delete keeps only what identifies the row and orders it: the tombstone of an erased record.
    kept = {*contract.key, *_order_fields(contract), CHANGED_AT, "_is_deleted", "_delivered_on", "_record_hash",
            "_batch_id"}
    return rows.select(*[c if c in kept else F.when(~F.col("_is_deleted"), F.col(c)).alias(c) for c in rows.columns])


def _order_fields(contract: Contract) -> list[str]:
    return [CHANGED_AT if name == "ts_ms" and contract.is_cdc else name for name in contract.silver.order_by]


def _order_sql(contract: Contract, alias: str = "") -> list[str]:
    """SQL of the ordering values, newest = greatest: ordered fields by lifecycle position."""
    prefix = f"{alias}." if alias else ""
    out = []
    for name in _order_fields(contract):
        spec = next((f for f in contract.fields if f.name == name), None)
        if spec is not None and spec.ordered:
            cases = " ".join(f"WHEN '{v}' THEN {rank}" for rank, v in enumerate(spec.allowed))
            out.append(f"CASE {prefix}{name} {cases} END")
        else:
            out.append(f"{prefix}{name}")
    return [*out, f"{prefix}_delivered_on", f"{prefix}_record_hash"]


def latest(rows: DataFrame, contract: Contract) -> DataFrame:
    """One row per key: the newest (see module doc)."""
    newest_first = Window.partitionBy(*contract.key).orderBy(*[F.expr(sql).desc() for sql in _order_sql(contract)])
    return rows.withColumn("_n", F.row_number().over(newest_first)).where(F.col("_n") == 1).drop("_n")


def newer_sql(contract: Contract) -> str:
    """``s`` (the change) sorts after ``t`` (what silver holds), lexicographically on the order."""
    condition = "false"
    for s, t in reversed(list(zip(_order_sql(contract, "s"), _order_sql(contract, "t"), strict=True))):
        condition = f"({s} > {t} OR ({s} = {t} AND {condition}))"
    return condition


def merge(spark: SparkSession, changes: DataFrame, contract: Contract, table: str | None = None) -> None:
    """Upsert the newest row per key into silver; only ever forward (see :func:`newer_sql`)."""
    table = table or contract.silver_table
    partition = contract.silver.partition_by
    builder = DeltaTable.createIfNotExists(spark).tableName(table).addColumns(changes.schema)
    if partition:
        builder = builder.partitionedBy(partition)
    builder.execute()
    on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in contract.key)
    if partition:  # touch only the partitions this change set has (late events reach back a few days)
        values = [r[0] for r in changes.select(partition).distinct().collect() if r[0] is not None]
        on += f" AND t.`{partition}` IN ({sql_list([str(v) for v in values]) or 'NULL'})"
    (
        DeltaTable.forName(spark, table).alias("t")
        .merge(changes.alias("s"), on)
        .whenMatchedUpdateAll(condition=newer_sql(contract))
        .whenNotMatchedInsertAll()
        .execute()
    )


def scd2(rows: DataFrame, contract: Contract) -> DataFrame:
    """Versions of each key: a new one each time a tracked column changes between snapshots."""
    at = contract.event_time
    one_per_snapshot = Window.partitionBy(*contract.key, at).orderBy(
        F.col("_delivered_on").desc(), F.col("_record_hash").desc())
    in_time = Window.partitionBy(*contract.key).orderBy(at)
    tracked = F.sha2(F.to_json(F.struct(*contract.silver.tracked)), 256)
    versions = (
        rows.withColumn("_n", F.row_number().over(one_per_snapshot)).where(F.col("_n") == 1).drop("_n")
        .withColumn("_tracked", tracked)
        .withColumn("_before", F.lag("_tracked").over(in_time))
        .where(F.col("_before").isNull() | (F.col("_before") != F.col("_tracked")))
        .drop("_before")
    )
    return versions.select(
        "*",
        F.col(at).alias("valid_from"),
        F.lead(at).over(in_time).alias("valid_to"),
    ).withColumn("is_current", F.col("valid_to").isNull()).drop("_tracked")


def run(spark: SparkSession, contract: Contract, batch_ids: list[str], key: bytes) -> None:
    """Apply the bronze rows of ``batch_ids`` to the source's silver table."""
    bronze = spark.table(f"bronze.{contract.source}")
    if contract.silver.history == "scd2":
        (scd2(conform(bronze, contract, key), contract).write.format("delta").mode("overwrite")
         .option("overwriteSchema", "true").saveAsTable(contract.silver_table))
        return
    if batch_ids:
        merge(spark, latest(conform(bronze.where(F.col("_batch_id").isin(batch_ids)), contract, key), contract),
              contract)
