"""How customer keys changed between the published map and a new one: merges, splits, re-keys, removals.

Keys are derived from evidence (a hash of the customer's anchor), so most runs change none; when new
evidence joins two customers the older anchor's key survives (a merge), when evidence disappears a
customer falls apart (a split), and an identifier that is gone (an erased account) is a removal. Each
change is a row of the append-only ``silver.identity_key_changes``.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

ID = ["identifier_type", "identifier"]


def _types(column: str) -> F.Column:
    """``{"phone": 2, "user_id": 1}`` as JSON: which identifiers a change is about."""
    return F.to_json(F.map_from_entries(F.transform(F.array_sort(F.array_distinct(F.col(column))),
                                                    lambda t: F.struct(t, F.size(F.filter(F.col(column),
                                                                                          lambda x: x == t))))))


def key_changes(published: DataFrame, built: DataFrame, data_date: date) -> DataFrame:
    """(changed_on, kind, keys_before, keys_after, evidence) of every customer whose key set changed."""
    old = published.where("customer_key is not null").select(*ID, F.col("customer_key").alias("old_key"))
    new = built.where("customer_key is not null").select(*ID, F.col("customer_key").alias("new_key"))
    both = old.join(new, ID, "full")
    arrived = (both.where("old_key is null and new_key is not null").groupBy("new_key")
               .agg(F.collect_list("identifier_type").alias("arrived")))
    kept = both.where("old_key is not null and new_key is not null")
    per_new = kept.groupBy("new_key").agg(F.array_sort(F.collect_set("old_key")).alias("before"))
    per_old = kept.groupBy("old_key").agg(F.array_sort(F.collect_set("new_key")).alias("after"))

    merges = (per_new.where(F.size("before") > 1).join(arrived, "new_key", "left")
              .select(F.lit("merge").alias("kind"), F.col("before").alias("keys_before"),
                      F.array("new_key").alias("keys_after"),
                      F.concat(F.lit('{"new_identifiers": '), F.coalesce(_types("arrived"), F.lit("{}")),
                               F.lit("}")).alias("evidence")))
    splits = (per_old.where(F.size("after") > 1)
              .select(F.lit("split").alias("kind"), F.array("old_key").alias("keys_before"),
                      F.col("after").alias("keys_after"),
                      F.lit('{"reason": "the evidence that joined them is gone"}').alias("evidence")))
    rekeys = (per_old.where((F.size("after") == 1) & (F.col("after")[0] != F.col("old_key")))
              .join(per_new.where(F.size("before") == 1).select(F.col("new_key"), F.col("before")[0].alias("old_key")),
                    "old_key")
              .select(F.lit("rekey").alias("kind"), F.array("old_key").alias("keys_before"),
                      F.array("new_key").alias("keys_after"),
                      F.lit('{"reason": "an identifier seen earlier became the anchor"}').alias("evidence")))
    removed = (both.where("old_key is not null and new_key is null").groupBy("old_key")
               .agg(F.collect_list("identifier_type").alias("gone"))
               .select(F.lit("removed").alias("kind"), F.array("old_key").alias("keys_before"),
                       F.array().cast("array<string>").alias("keys_after"),
                       F.concat(F.lit('{"removed_identifiers": '), _types("gone"), F.lit("}")).alias("evidence")))
    return (merges.unionByName(splits).unionByName(rekeys).unionByName(removed)
            .select(F.lit(data_date).alias("changed_on"), "kind", "keys_before", "keys_after", "evidence"))
