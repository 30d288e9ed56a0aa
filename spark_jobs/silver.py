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
  ``valid_from`` / ``valid_to``, extended incrementally by each snapshot (a late
  snapshot rebuilds only the history of the keys it changes).
- **Write-audit-publish**: a build writes the rows it changes to
  ``silver_candidate.<table>`` (:func:`write_candidate`), the caller audits
  :func:`published_view`, and :func:`publish` applies them in one Delta commit.
"""

from __future__ import annotations

from functools import reduce
from operator import and_

from delta.tables import DeltaTable
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from ecomlake.cdc import changed_row
from ecomlake.contracts import Contract, Field
from ecomlake.pii import HmacKey, hmac_sha256

CHANGED_AT = "_changed_at_ms"  # a CDC event's ts_ms, in silver
CANDIDATES = "silver_candidate"  # write-audit-publish: where a build writes before its audit
DROP = "_drop"  # a candidate row that removes the published row with its key
PHONE_IN_TEXT = r"(\+?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}"
EMAIL_IN_TEXT = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"


def normalized_phone(value: Column) -> Column:
    """Digits only, without the +86 country code: ``+86 138-1234-5678`` and ``13812345678`` are one phone."""
    digits = F.regexp_replace(value, "[^0-9]", "")
    return F.when((F.length(digits) == 13) & digits.startswith("86"), F.substring(digits, 3, 11)).otherwise(
        F.nullif(digits, F.lit("")))


def protected_value(value: Column, spec: Field, key: HmacKey) -> Column:
    """What silver holds for a PII value: free text redacted, anything else the token of its normal form."""
    if spec.pii == "free_text":
        return F.regexp_replace(F.regexp_replace(value, EMAIL_IN_TEXT, "[email]"), PHONE_IN_TEXT, "[phone]")
    normalized = {"phone": normalized_phone(value), "email": F.lower(F.trim(value))}.get(spec.pii, F.trim(value))
    return hmac_sha256(normalized, key)


def silver_name(spec: Field) -> str:
    """The field's column in silver: ``<field>_token`` for tokenised PII."""
    return f"{spec.name}_token" if spec.pii and spec.pii != "free_text" else spec.name


def _protected(spec: Field, key: HmacKey) -> Column:
    return protected_value(F.col(spec.name), spec, key).alias(silver_name(spec))


def _silver_column(spec: Field, key: HmacKey) -> Column:
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


def conform(bronze: DataFrame, contract: Contract, key: HmacKey) -> DataFrame:
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


def _tracked(contract: Contract) -> Column:
    return F.sha2(F.to_json(F.struct(*contract.silver.tracked)), 256)


def scd2(rows: DataFrame, contract: Contract) -> DataFrame:
    """Versions of each key: a new one each time a tracked column changes between snapshots."""
    at = contract.event_time
    one_per_snapshot = Window.partitionBy(*contract.key, at).orderBy(
        F.col("_delivered_on").desc(), F.col("_record_hash").desc())
    in_time = Window.partitionBy(*contract.key).orderBy(at)
    versions = (
        rows.withColumn("_n", F.row_number().over(one_per_snapshot)).where(F.col("_n") == 1).drop("_n")
        .withColumn("_tracked", _tracked(contract))
        .withColumn("_before", F.lag("_tracked").over(in_time))
        .where(F.col("_before").isNull() | (F.col("_before") != F.col("_tracked")))
        .drop("_before")
    )
    return versions.select(
        "*",
        F.col(at).alias("valid_from"),
        F.lead(at).over(in_time).alias("valid_to"),
    ).withColumn("is_current", F.col("valid_to").isNull()).drop("_tracked")


def _keys_equal(contract: Contract, left: str, right: str, extra: tuple[str, ...] = ()) -> Column:
    return reduce(and_, [F.col(f"{left}.{k}") == F.col(f"{right}.{k}") for k in (*contract.key, *extra)])


def _live_touched(contract: Contract, changes: DataFrame, alias: str = "") -> Column | None:
    """For a partitioned table, the partitions ``changes`` touch (late events reach back a few days)."""
    partition = contract.silver.partition_by
    if not partition:
        return None
    values = [r[0] for r in changes.select(partition).distinct().collect()]
    column = F.col(f"{alias}{partition}")
    return column.isin(values) | column.isNull() if None in values else column.isin(values)


def _latest_changes(spark: SparkSession, contract: Contract, bronze: DataFrame, key: HmacKey) -> DataFrame:
    """The newest row per key of these batches, where it is newer than what silver holds (MERGE only moves
    forward, see :func:`newer_sql`)."""
    new = latest(conform(bronze, contract, key), contract)
    if not spark.catalog.tableExists(contract.silver_table):
        return new
    live = spark.table(contract.silver_table)
    if (touched := _live_touched(contract, new)) is not None:
        live = live.where(touched)
    first_key = contract.key[0]
    return (new.alias("s").join(live.alias("t"), _keys_equal(contract, "s", "t"), "left")
            .where(F.col(f"t.{first_key}").isNull() | F.expr(newer_sql(contract))).select("s.*"))


def _scd2_changes(spark: SparkSession, contract: Contract, bronze: DataFrame, key: HmacKey) -> DataFrame:
    """The full version history of every key these snapshots change, and the versions it replaces (``_drop``).

    A snapshot newer than a key's current version extends its history from the stored versions; a late
    snapshot (not after the current version began) may split a version, so that key's history is rebuilt
    from every bronze snapshot of it: exact whatever order snapshots arrive in.
    """
    snapshots = conform(bronze, contract, key)
    if not spark.catalog.tableExists(contract.silver_table):
        return scd2(snapshots, contract)
    at, keys = contract.event_time, list(contract.key)
    live = spark.table(contract.silver_table)
    valid_then = (F.col("v.valid_from") <= F.col(f"n.{at}")) & (
        F.col("v.valid_to").isNull() | (F.col(f"n.{at}") < F.col("v.valid_to")))
    changed = (
        snapshots.withColumn("_tracked", _tracked(contract)).alias("n")
        .join(live.withColumn("_tracked", _tracked(contract)).alias("v"),
              _keys_equal(contract, "n", "v") & valid_then, "left")
        .where(F.col(f"v.{keys[0]}").isNull() | (F.col("n._tracked") != F.col("v._tracked")))
        .select(*[F.col(f"n.{k}").alias(k) for k in keys], F.col(f"n.{at}").alias("_at"))
        .join(live.where("is_current").select(*keys, F.col("valid_from").alias("_current_from")), keys, "left")
        .groupBy(*keys).agg(F.max(F.coalesce(F.col("_at") <= F.col("_current_from"), F.lit(False))).alias("_late"))
    )
    on_time, late = changed.where(~F.col("_late")).select(*keys), changed.where("_late").select(*keys)
    points = (
        live.drop("valid_from", "valid_to", "is_current").join(on_time, keys, "left_semi")
        .unionByName(snapshots.join(on_time, keys, "left_semi"))
        .unionByName(conform(spark.table(f"bronze.{contract.source}"), contract, key).join(late, keys, "left_semi"))
    )
    versions = scd2(points, contract).withColumn(DROP, F.lit(False))
    replaced = (live.join(changed.select(*keys), keys, "left_semi")
                .join(versions.select(*keys, "valid_from"), [*keys, "valid_from"], "left_anti")
                .withColumn(DROP, F.lit(True)))
    return versions.unionByName(replaced)


def candidate_table(contract: Contract) -> str:
    return f"{CANDIDATES}.{contract.silver.table}"


def write_candidate(spark: SparkSession, contract: Contract, batch_ids: list[str], key: HmacKey) -> DataFrame:
    """Write: the rows the bronze ``batch_ids`` change in silver, to the source's candidate table.

    Readers of silver see none of it; :func:`published_view` is what silver will hold, for the audit.
    """
    bronze = spark.table(f"bronze.{contract.source}").where(F.col("_batch_id").isin(batch_ids))
    changes = (_scd2_changes if contract.silver.history == "scd2" else _latest_changes)(spark, contract, bronze, key)
    if DROP not in changes.columns:
        changes = changes.withColumn(DROP, F.lit(False))
    (changes.write.format("delta").mode("overwrite").option("overwriteSchema", "true")
     .saveAsTable(candidate_table(contract)))
    return spark.table(candidate_table(contract))


def published_view(spark: SparkSession, contract: Contract, candidate: DataFrame) -> DataFrame:
    """Silver as :func:`publish` will leave it: what it holds, with the candidate's keys replaced."""
    kept = candidate.where(~F.col(DROP)).drop(DROP)
    if not spark.catalog.tableExists(contract.silver_table):
        return kept
    keys = list(contract.key)
    untouched = spark.table(contract.silver_table).join(candidate.select(*keys).distinct(), keys, "left_anti")
    return untouched.unionByName(kept)


class SchemaChangeError(RuntimeError):
    """A candidate's columns differ from the published table's: a contract change needs a migration."""


def _check_schema(published: DataFrame, candidate: DataFrame, table: str) -> None:
    have = {f.name: f.dataType.simpleString() for f in published.schema}
    want = {f.name: f.dataType.simpleString() for f in candidate.schema if f.name != DROP}
    if have != want:
        diff = sorted(set(have.items()) ^ set(want.items()))
        raise SchemaChangeError(f"{table}: the new rows do not fit the published schema: {diff}")


def publish(spark: SparkSession, contract: Contract, candidate: DataFrame) -> None:
    """Publish: apply the audited candidate to silver in one Delta commit (MERGE, or the first write)."""
    table = contract.silver_table
    if not spark.catalog.tableExists(table):
        writer = candidate.where(~F.col(DROP)).drop(DROP).write.format("delta")
        if contract.silver.partition_by:
            writer = writer.partitionBy(contract.silver.partition_by)
        writer.saveAsTable(table)
        return
    published = spark.table(table)
    _check_schema(published, candidate, table)
    columns = {c: F.col(f"s.`{c}`") for c in published.columns}
    on = _keys_equal(contract, "t", "s", ("valid_from",) if contract.silver.history == "scd2" else ())
    if (touched := _live_touched(contract, candidate, "t.")) is not None:
        on = on & touched
    (DeltaTable.forName(spark, table).alias("t").merge(candidate.alias("s"), on)
     .whenMatchedDelete(condition=F.col(f"s.{DROP}"))
     .whenMatchedUpdate(set=columns)
     .whenNotMatchedInsert(condition=~F.col(f"s.{DROP}"), values=columns)
     .execute())
