"""The erasure hop (closed accounts past their cooling-off period → gone from every layer) and its proof.

:func:`erase_due` carries out every due request (see :mod:`spark_jobs.erasure`); the identity graph and the
marts are then rebuilt from silver by their own DAGs. :func:`erasure_report` is what ``ecomlake
erasure-report USER_ID`` prints: the request's steps from the erasure log, then every table of every layer
searched for the account id (in any text column) and for the person's other identifiers (by their keyed
digests, in the columns the contracts and the identity tables say hold identifiers).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from functools import reduce
from operator import or_

from ecomlake.config import settings
from ecomlake.contracts import erasable_sources
from ecomlake.pii import hmac_key
from ecomlake.spark import get_spark
from orchestration.marts import NothingNew

log = logging.getLogger(__name__)

LAYERS = ("bronze", "quarantine", "silver", "silver_candidate", "intermediate", "marts", "marts_candidate", "ops")
"""Every database of the lake that holds tables (staging holds views of silver)."""


def erase_due(grace_days: int | None = None) -> dict:
    """Carry out every due request (cooling-off period: the profile's, unless given); :class:`NothingNew` when
    there is none (the DAG skips)."""
    from pyspark.sql import functions as F

    from spark_jobs import erasure

    spark, cfg = get_spark(), settings()
    grace = cfg.erasure.grace_days if grace_days is None else grace_days
    due = erasure.due_requests(spark, grace)
    if not due:
        raise NothingNew(f"no closed account past its {grace}-day cooling-off period")
    on = spark.table("silver.users").agg(F.max("_delivered_on")).first()[0]
    done = erasure.erase(spark, hmac_key(cfg), due, on)
    log.info("erased %d closed accounts", len(due))
    return {"requests": {request: [asdict(s) for s in steps] for request, steps in done.items()}}


def vacuum_lake(retention_hours: int | None = None) -> list[str]:
    """VACUUM every Delta table of the lake: files only older versions use go after the retention."""
    from spark_jobs import erasure

    spark = get_spark()
    tables = [t for t in _tables(spark) if _is_delta(spark, t)]
    erasure.vacuum(spark, tables, settings().erasure.retention_hours if retention_hours is None else retention_hours)
    return tables


def _tables(spark) -> list[str]:
    return [f"{db}.{t.name}" for db in LAYERS if spark.catalog.databaseExists(db)
            for t in spark.catalog.listTables(db) if t.tableType != "VIEW"]


def _is_delta(spark, table: str) -> bool:
    return spark.sql(f"DESCRIBE DETAIL {table}").first()["format"] == "delta"


def erasure_report(user_id: str) -> dict:
    """Where the account still is: {table: rows holding its id or one of its identifiers} (all zero: nowhere),
    and the request's steps from the log."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from spark_jobs import erasure

    spark, key = get_spark(), hmac_key(settings())
    request = erasure.request_of(spark, key, user_id)
    steps = ([r.asDict() for r in spark.table(erasure.LOG).where(F.col("request") == request).orderBy("at").collect()]
             if spark.catalog.tableExists(erasure.LOG) else [])
    digests = (spark.table(erasure.ERASED).where(F.col("request") == request)
               if spark.catalog.tableExists(erasure.ERASED) else None)
    found = {}
    for table in _tables(spark):
        df = spark.table(table)
        # Text, and the text of structs, arrays and maps (a CDC envelope's images, rescued properties).
        text = [f.name for f in df.schema.fields
                if isinstance(f.dataType, T.StringType | T.StructType | T.ArrayType | T.MapType)]
        conditions = [F.col(f"`{c}`").cast("string").contains(user_id) for c in text]
        if digests is not None and table != erasure.ERASED:
            conditions += _digest_matches(df, table, digests, key)
        found[table] = df.where(reduce(or_, conditions)).count() if conditions else 0
    return {"request": request, "steps": steps, "found": found}


def _digest_matches(df, table: str, digests, key) -> list:
    """Conditions: an identifier column of ``table`` holds a value whose digest the request recorded."""
    from pyspark.sql import functions as F

    from spark_jobs import erasure

    layer, name = table.split(".")
    columns: list[tuple[object, object]] = []  # (value as silver holds it, its kind)
    if {"identifier_type", "identifier"} <= set(df.columns):  # the identity graph's tables
        columns.append((F.col("identifier"), F.col("identifier_type")))
    source = next((c for c in erasable_sources() if name in (c.source, c.silver.table)), None)
    if source is not None and layer in ("silver", "silver_candidate"):
        columns += _with_kinds(source, erasure.silver_values(source))
    elif source is not None and layer == "bronze":
        for image in erasure.images(source):
            columns += _with_kinds(source, erasure.values_in(image, source, key))
    recorded = sorted({r.digest for r in digests.collect()})
    return [erasure.digest(value, kind, key).isin(*recorded) for value, kind in columns] if recorded else []


def _with_kinds(source, values: dict) -> list:
    from spark_jobs import erasure

    return [(values[spec.name], spec.identifier) for spec in erasure.identifier_fields(source)]
