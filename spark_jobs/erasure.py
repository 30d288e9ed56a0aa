"""Erasure: a closed account, once its cooling-off period has passed, leaves every layer of the lake.

An account closure (a CDC delete in users; silver keeps its tombstone) is the request. It is carried out when
``grace_days`` data days have passed since (the latest delivery of users, never the clock, so a rebuild
erases the same accounts on the same day).

**The person**, as the lake knows them (:func:`subject`): the account id and its orders' ids; the phone,
email and WeChat unionid the account ever registered (every version in bronze, the delete's ``before``
included); the devices and SDK visitor ids seen with this account. Only values no other account holds: a
family's shared email or tablet stays with the family.

**Their rows** are deleted: rows of their account, rows about their orders (payments, tickets, shipments,
tracking and coupon events), rows of no account and no order that carry one of their identifiers (a guest
checkout with their phone, anonymous browsing on their device, a ticket from their email). **Another person's row**
that mentions one of their identifiers (a gift shipped to their phone) keeps the row and loses the value.
One predicate (:func:`flags`) on the values as silver holds them decides for every layer: silver directly,
bronze through silver's tokens of its raw values, quarantine by the raw strings in its text.

**Never back**: ``ops.erased_identifiers`` keeps a keyed digest of each erased value (never the value:
account ids are enumerable), and every bronze load drops or redacts what matches (:func:`scrub`), so a
replay or backfill from landing cannot bring the person back. Each step is written to ``ops.erasure_log``.
The identity graph and the marts are rebuilt from silver by their DAGs; VACUUM (:func:`vacuum`) removes
the files of older versions after ``retention_hours``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import reduce
from operator import or_

from delta.tables import DeltaTable
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ecomlake.cdc import changed_row
from ecomlake.contracts import Contract, Field, erasable_sources, load_contract
from ecomlake.pii import HmacKey, hmac_sha256
from spark_jobs.silver import CANDIDATES, protected_value, silver_name
from spark_jobs.tables import ensure_table

log = logging.getLogger(__name__)

ERASED = "ops.erased_identifiers"
LOG = "ops.erasure_log"
ERASED_SCHEMA = T.StructType([
    T.StructField("request", T.StringType(), False),
    T.StructField("kind", T.StringType(), False),
    T.StructField("digest", T.StringType(), False),
    T.StructField("erased_on", T.DateType(), False),
])
LOG_SCHEMA = T.StructType([
    T.StructField("request", T.StringType(), False),
    T.StructField("step", T.StringType(), False),
    T.StructField("table", T.StringType(), True),
    T.StructField("rows_deleted", T.LongType(), False),
    T.StructField("values_redacted", T.LongType(), False),
    T.StructField("at", T.TimestampType(), False),
])
ACCOUNT, ORDER = "user_id", "order_id"
REGISTERED = ("phone", "email", "wechat_unionid")  # the person's own when the CRM has them on their account
# Elsewhere a person's own are the devices and visitor ids they use; a phone or email outside the CRM may be
# somebody else's (a gift's recipient, the hotline an agent typed).
USED = ("device_id", "anonymous_id")


@dataclass(frozen=True)
class Subject:
    """What the lake holds of one person: values by identifier kind as silver holds them (tokens for PII)."""

    request: str  # the keyed digest of the account id: how the log and the report name the request
    values: dict[str, frozenset[str]]
    raw: frozenset[str] = field(default_factory=frozenset)  # as delivered, for the quarantine's raw text

    def of(self, kind: str) -> frozenset[str]:
        return self.values.get(kind, frozenset())


def digest(value: Column, kind: str | Column, key: HmacKey) -> Column:
    """A keyed digest of an identifier, per kind: what ``ops.erased_identifiers`` keeps instead of the value."""
    kind = F.lit(kind) if isinstance(kind, str) else kind
    return hmac_sha256(F.concat(F.lit("erasure:"), kind, F.lit(":"), value), key)


def request_of(spark: SparkSession, key: HmacKey, user_id: str) -> str:
    """How the log names the request for an account: the digest of its id."""
    return spark.range(1).select(digest(F.lit(user_id), ACCOUNT, key)).first()[0]


def images(contract: Contract) -> list[Column]:
    """The structs of delivered values a bronze row holds: both CDC images, or its fields."""
    if contract.is_cdc:
        return [F.col("before"), F.col("after")]
    return [F.struct(*[F.col(f"`{f.name}`") for f in contract.fields])]


def identifier_fields(contract: Contract) -> tuple[Field, ...]:
    return tuple(f for f in contract.fields if f.identifier)


def values_in(row: Column, contract: Contract, key: HmacKey) -> dict[str, Column]:
    """Each identifier field of a struct of delivered values, as silver holds it (PII tokenised)."""
    return {f.name: protected_value(row[f.name], f, key) if f.pii else row[f.name] for f in identifier_fields(contract)}


def silver_values(contract: Contract) -> dict[str, Column]:
    return {f.name: F.col(silver_name(f)) for f in identifier_fields(contract)}


def _hit(value: Column, values: frozenset[str]) -> Column:
    return F.coalesce(value.isin(*sorted(values)), F.lit(False)) if values else F.lit(False)


def flags(values: dict[str, Column], contract: Contract, subject: Subject) -> tuple[Column, dict[str, Column]]:
    """(the row is the person's, {field: the row mentions one of their identifiers there}); see module doc."""
    fields = identifier_fields(contract)
    hits = {f.name: _hit(values[f.name], subject.of(f.identifier)) for f in fields}
    owners = [f.name for f in fields if f.identifier in (ACCOUNT, ORDER)]
    others = [f.name for f in fields if f.identifier not in (ACCOUNT, ORDER)]
    # Nobody's by account or by another row's order (a guest checkout, an anonymous visitor, a ticket without
    # an order): theirs by their identifiers on it. Somebody else's row only mentions them.
    ownerless = reduce(lambda a, b: a & b, [values[o].isNull() for o in owners if o not in contract.key],
                       F.lit(True))
    owned = reduce(or_, [*[hits[o] for o in owners],
                         ownerless & reduce(or_, [hits[o] for o in others], F.lit(False))], F.lit(False))
    return owned, {o: hits[o] & ~owned for o in others}


# ---------------------------------------------------------------------------------------------- requests


def due_requests(spark: SparkSession, grace_days: int) -> list[str]:
    """Closed accounts whose cooling-off period has passed by the data date (latest users delivery)."""
    if not spark.catalog.tableExists("silver.users"):
        return []
    users = spark.table("silver.users")
    data_date = users.agg(F.max("_delivered_on")).first()[0]
    closed_on = F.to_date(F.timestamp_millis(F.col("_changed_at_ms")))
    due = users.where("_is_deleted").where(F.date_add(closed_on, grace_days) <= F.lit(data_date))
    return sorted(r.user_id for r in due.select(ACCOUNT).collect())


def _collect(df: DataFrame) -> frozenset[str]:
    """The distinct non-null values of a one-column frame."""
    return frozenset(r.v for r in df.toDF("v").where("v is not null").distinct().collect())


def subject(spark: SparkSession, key: HmacKey, user_id: str) -> Subject:
    """The account's identifiers no other account holds, and its orders (see module doc)."""
    users = load_contract("users")
    mine = F.col(f"r.{ACCOUNT}") == user_id
    versions = spark.table("bronze.users").select(changed_row().alias("r")).where(mine)
    registered = values_in(F.col("r"), users, key)
    others = spark.table("silver.users").where(f"{ACCOUNT} <> '{_sql(user_id)}'")
    values: dict[str, frozenset[str]] = {ACCOUNT: frozenset([user_id])}
    raw: set[str] = {user_id}
    for f in identifier_fields(users):
        if f.identifier in REGISTERED:
            held = _collect(versions.select(registered[f.name]))
            values[f.identifier] = held - _collect(others.select(silver_name(f)))
            raw |= _collect(versions.select(F.col(f"r.{f.name}"))) if values[f.identifier] else set()
    for kind in USED:
        values[kind] = _used_only_by(spark, user_id, kind)
    values[ORDER] = _orders(spark, key, Subject("", values)) if spark.catalog.tableExists("bronze.orders") \
        else frozenset()
    raw |= values[ORDER] | values["device_id"] | values["anonymous_id"]
    return Subject(request_of(spark, key, user_id), values, frozenset(raw))


def _orders(spark: SparkSession, key: HmacKey, person: Subject) -> frozenset[str]:
    """Their orders, every version in bronze: their account's, and guest checkouts with their phone or device."""
    orders = load_contract("orders")
    owned, _ = flags(values_in(changed_row(), orders, key), orders, person)
    return _collect(spark.table("bronze.orders").where(owned).select(changed_row()[ORDER]))


def _used_only_by(spark: SparkSession, user_id: str, kind: str) -> frozenset[str]:
    """Values of ``kind`` seen in silver with this account and with no other."""
    seen = []
    for contract in erasable_sources():
        fields = identifier_fields(contract)
        account = next((f.name for f in fields if f.identifier == ACCOUNT), None)
        if account is None or not spark.catalog.tableExists(contract.silver_table):
            continue
        for f in (f for f in fields if f.identifier == kind):
            seen.append(spark.table(contract.silver_table).where(f"{account} is not null and {f.name} is not null")
                        .select(F.col(account).alias("account"), F.col(f.name).alias("value")))
    if not seen:
        return frozenset()
    pairs = reduce(DataFrame.unionByName, seen).distinct()
    alone = pairs.groupBy("value").agg(F.count_distinct("account").alias("n"), F.max("account").alias("account"))
    return _collect(alone.where((F.col("n") == 1) & (F.col("account") == user_id)).select("value"))


def _sql(text: str) -> str:
    return text.replace("'", "''")


# ---------------------------------------------------------------------------------------------- erasing


@dataclass
class Step:
    step: str
    table: str | None
    rows_deleted: int = 0
    values_redacted: int = 0


def _count(table: DeltaTable, condition: Column) -> int:
    return table.toDF().where(condition).count()


@dataclass(frozen=True)
class Redaction:
    """A mention to null where ``mentioned`` holds: ``field`` of the struct ``column``, or ``column`` itself."""

    mentioned: Column
    column: str
    field: str | None
    null: Column  # a null of the value's type (a bare null would turn a struct's field into ``void``)

    def assignment(self) -> dict[str, Column]:
        value = F.col(self.column).withField(self.field, self.null) if self.field else self.null
        return {self.column: value}


def _erase_rows(spark: SparkSession, table: str, owned: Column, redactions: list[Redaction]) -> Step:
    """Delete the person's rows, then null their identifiers in other rows (one UPDATE per mention)."""
    delta = DeltaTable.forName(spark, table)
    step = Step("erase", table, _count(delta, owned))
    if step.rows_deleted:
        delta.delete(owned)
    for redaction in redactions:
        if found := _count(delta, redaction.mentioned):
            delta.update(redaction.mentioned, redaction.assignment())
            step.values_redacted += found
    return step


def _silver(spark: SparkSession, contract: Contract, table: str, subject: Subject) -> Step:
    owned, mentions = flags(silver_values(contract), contract, subject)
    return _erase_rows(spark, table, owned, [Redaction(m, silver_name(contract.field(name)), None,
                                                       _null(contract, name)) for name, m in mentions.items()])


def _null(contract: Contract, name: str) -> Column:
    return F.lit(None).cast(contract.field(name).type)


def bronze_layout(contract: Contract, key: HmacKey, subject: Subject,
                  row: str | None = None) -> tuple[Column, list[Redaction]]:
    """The person's rows and the redactions of mentions, in bronze's layout: the CDC envelope (``before`` and
    ``after`` each redacted on its own) or the delivered fields (``row``: the struct column holding them, e.g.
    ``_row`` at load, else the top-level columns)."""
    if contract.is_cdc:
        owned, _ = flags(values_in(changed_row(), contract, key), contract, subject)
        redactions = []
        for image in ("before", "after"):
            _, mentions = flags(values_in(F.col(image), contract, key), contract, subject)
            redactions += [Redaction(m, image, name, _null(contract, name)) for name, m in mentions.items()]
        return owned, redactions
    struct = F.col(row) if row else F.struct(*[F.col(f"`{f.name}`") for f in contract.fields])
    owned, mentions = flags(values_in(struct, contract, key), contract, subject)
    return owned, [Redaction(m, row, name, _null(contract, name)) if row else
                   Redaction(m, name, None, _null(contract, name)) for name, m in mentions.items()]


def _quarantine(spark: SparkSession, table: str, subject: Subject) -> Step:
    contains = reduce(or_, [F.col("raw_text").contains(v) for v in sorted(subject.raw)], F.lit(False))
    return _erase_rows(spark, table, contains, [])


def record(spark: SparkSession, subject: Subject, key: HmacKey, on: date) -> None:
    """Keep a digest of each erased value (the request accepted); merging again adds nothing."""
    per_kind = [spark.createDataFrame([(subject.request, kind, v) for v in values],
                                      "request string, kind string, value string")
                .select("request", "kind", digest(F.col("value"), kind, key).alias("digest"),
                        F.lit(on).alias("erased_on"))
                for kind, values in subject.values.items() if values]
    ensure_table(spark, ERASED, ERASED_SCHEMA)
    (DeltaTable.forName(spark, ERASED).alias("t")
     .merge(reduce(DataFrame.unionByName, per_kind).alias("s"), "t.kind = s.kind and t.digest = s.digest")
     .whenNotMatchedInsertAll().execute())


def erase(spark: SparkSession, key: HmacKey, user_ids: list[str], on: date) -> dict[str, list[Step]]:
    """Carry out these requests together, one pass over each table of every source layer; silver's users last
    (its tombstones are the requests, so a crash before the end leaves them due, and every step is safe to run
    again). Each request's log holds what was recorded for it and the steps of the pass it was part of."""
    people = [subject(spark, key, user_id) for user_id in user_ids]
    for person in people:
        record(spark, person, key, on)
    everyone = Subject("", {kind: frozenset().union(*[p.of(kind) for p in people])
                            for kind in {k for p in people for k in p.values}},
                       frozenset().union(*[p.raw for p in people]))
    steps = []
    for contract in sorted(erasable_sources(), key=lambda c: c.source == "users"):
        if spark.catalog.tableExists(table := f"quarantine.{contract.source}"):
            steps.append(_quarantine(spark, table, everyone))
        if spark.catalog.tableExists(table := f"bronze.{contract.source}"):
            owned, redactions = bronze_layout(contract, key, everyone)
            steps.append(_erase_rows(spark, table, owned, redactions))
        for table in (f"{CANDIDATES}.{contract.silver.table}", contract.silver_table):
            if spark.catalog.tableExists(table):
                steps.append(_silver(spark, contract, table, everyone))
    done = {p.request: [Step("recorded", ERASED, 0, sum(map(len, p.values.values()))), *steps] for p in people}
    _write_log(spark, done)
    log.info("erasure of %d accounts: %d rows deleted, %d values redacted in %d tables", len(people),
             sum(s.rows_deleted for s in steps), sum(s.values_redacted for s in steps), len(steps))
    return done


def _write_log(spark: SparkSession, done: dict[str, list[Step]]) -> None:
    at = datetime.now(UTC)
    ensure_table(spark, LOG, LOG_SCHEMA)
    rows = [(request, s.step, s.table, s.rows_deleted, s.values_redacted, at)
            for request, steps in done.items() for s in steps]
    spark.createDataFrame(rows, LOG_SCHEMA).write.format("delta").mode("append").saveAsTable(LOG)


# ---------------------------------------------------------------------------------------------- at load


def scrub(spark: SparkSession, validated: DataFrame, contract: Contract, key: HmacKey) -> tuple[DataFrame, int]:
    """A batch as bronze and quarantine may hold it: rows of erased people dropped (their number returned,
    for the load's report), their identifiers in other rows nulled. Free when nobody was ever erased."""
    if not identifier_fields(contract) or not spark.catalog.tableExists(ERASED):
        return validated, 0
    row = changed_row() if contract.is_cdc else F.col("_row")
    images = [F.col("before"), F.col("after")] if contract.is_cdc else [row]
    # Every identifier of the batch with its kind, looked up in one join: one Spark job, not one per field.
    seen = reduce(DataFrame.unionByName, [
        validated.select(F.lit(f.identifier).alias("kind"), value.cast("string").alias("value"))
        for image in images
        for f, value in zip(identifier_fields(contract), values_in(image, contract, key).values(), strict=True)])
    hits = (seen.where("value is not null").distinct().alias("s")
            .join(spark.table(ERASED).alias("e"), (F.col("s.kind") == F.col("e.kind"))
                  & (digest(F.col("s.value"), F.col("s.kind"), key) == F.col("e.digest")), "left_semi"))
    matched: dict[str, set[str]] = {}
    for hit in hits.collect():
        matched.setdefault(hit.kind, set()).add(hit.value)
    if not any(matched.values()):
        return validated, 0
    person = Subject("at load", {kind: frozenset(v) for kind, v in matched.items()})
    owned, redactions = bronze_layout(contract, key, person, None if contract.is_cdc else "_row")
    # Each condition once, as a column of its own, read from the batch as delivered: redactions applied one
    # on top of another would nest every earlier one in each later condition (generated code beyond 64 KB).
    mentions = {f"_erasure_mention_{n}": r.mentioned for n, r in enumerate(redactions)}
    flagged = validated.withColumns(mentions)
    # A quarantined record keeps its raw text: one that mentions them goes, as the erasure run's purge does.
    mentioned = reduce(or_, [F.col(m) for m in mentions], F.lit(False))
    flagged = flagged.withColumn("_erasure_gone", owned | (F.col("reason").isNotNull() & mentioned))
    dropped = flagged.where("_erasure_gone").count()
    redacted: dict[str, Column] = {}
    for flag, r in zip(mentions, redactions, strict=True):
        value = redacted.get(r.column, F.col(r.column))
        redacted[r.column] = value.withField(r.field, F.when(F.col(flag), r.null).otherwise(F.col(r.column)[r.field]))
    kept = flagged.where(~F.col("_erasure_gone")).withColumns(redacted).drop("_erasure_gone", *mentions)
    log.info("%s: %d records of erased people not loaded", contract.source, dropped)
    return kept, dropped


# ---------------------------------------------------------------------------------------------- vacuum


def vacuum(spark: SparkSession, tables: list[str], retention_hours: int) -> list[Step]:
    """VACUUM ``tables``: files older versions alone still reference go after ``retention_hours``."""
    spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
    steps = []
    for table in tables:
        DeltaTable.forName(spark, table).vacuum(retention_hours)
        steps.append(Step("vacuum", table))
    return steps
