"""The identity graph's edges, from the current rows of silver: one row per pair of identifiers and link."""

from __future__ import annotations

from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from spark_jobs.identity.rules import Link, Rules

EDGE_COLUMNS = ("identifier_type", "identifier", "linked_type", "linked_identifier", "link", "source", "weight",
                "first_seen_at", "last_seen_at", "evidence_count")


def _current(spark: SparkSession, table: str) -> DataFrame:
    df = spark.table(table)
    return df.where(~F.col("_is_deleted")) if "_is_deleted" in df.columns else df


def _link_edges(spark: SparkSession, link: Link) -> DataFrame:
    rows = _current(spark, link.source)
    if link.join_orders:  # the source knows the order; the order knows the account
        rows = rows.join(_current(spark, "silver.orders").select("order_id", "user_id"), "order_id")
    if link.join_users:  # the source knows the account; the account's registration knows its real name
        rows = rows.join(_current(spark, "silver.users").select("user_id", "name_token"), "user_id")
    if link.where:
        rows = rows.where(link.where)
    to = F.expr(link.to_column)  # a column, or an expression of columns (a composite identifier)
    return (
        rows.where(F.col(link.from_column).isNotNull() & to.isNotNull())
        .groupBy(F.col(link.from_column).alias("identifier"), to.alias("linked_identifier"))
        .agg(F.min(link.at).cast("timestamp").alias("first_seen_at"),
             F.max(link.at).cast("timestamp").alias("last_seen_at"),
             F.count(F.lit(1)).alias("evidence_count"))
        .select(F.lit(link.from_type).alias("identifier_type"), "identifier",
                F.lit(link.to_type).alias("linked_type"), "linked_identifier", F.lit(link.name).alias("link"),
                F.lit(link.source).alias("source"), F.lit(link.weight).alias("weight"),
                "first_seen_at", "last_seen_at", "evidence_count")
    )


def identity_edges(spark: SparkSession, rules: Rules) -> DataFrame:
    """Every link of ``rules`` found in silver (deleted rows left out: a closed account links nothing)."""
    return reduce(DataFrame.unionByName, (_link_edges(spark, link) for link in rules.links)).select(*EDGE_COLUMNS)
