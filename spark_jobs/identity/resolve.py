"""Resolving the identity graph into customers (the steps are numbered in ``rules.yaml``).

Hubs are found from the graph: an identifier linked to more accounts than one person holds (measured
on WeChat unionids) takes no part, and neither does an account's link to a number the carrier has since
reissued to someone who registered with it. Two accounts are one person when the evidence they share weighs
enough; connected components of those pairs are customers; every other identifier joins the customer
its strongest link points to. A customer's key is a hash of its anchor, the identifier seen first,
so it does not depend on run order and survives a rebuild from landing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import chain

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from spark_jobs.identity.rules import COMPOSITE_SEPARATOR, Rules

log = logging.getLogger(__name__)

ACCOUNT = "user_id"
PERSON_UNIQUE = "wechat_unionid"  # measures how many accounts one person holds
MAX_ROUNDS = 50  # label propagation: one hop a round; customers are a few hops wide


@dataclass(frozen=True)
class Resolution:
    identifiers: DataFrame  # one row per identifier: its customer (none for a hub)
    hubs: DataFrame  # identifier_type, identifier, accounts
    accounts_per_person: float  # the bound above which an identifier is a hub (inf without guards)


def _label(first_seen: Column, kind: Column, value: Column) -> Column:
    """Sortable anchor label: the earliest sighting wins, then the identifier itself (deterministic)."""
    seen = F.coalesce(F.date_format(first_seen, "yyyy-MM-dd HH:mm:ss.SSS"), F.lit("9999"))
    return F.concat_ws("|", seen, kind, value)


def _weighed(edges: DataFrame, rules: Rules, guards: bool) -> DataFrame:
    """``edges`` with ``attach_weight``: the weight of links that may attach (null for those that may not).

    Without guards every link is strong and attaches, as in a plain connected-components OneID.
    """
    if not guards:
        return edges.withColumn("weight", F.lit(1.0)).withColumn("attach_weight", F.lit(1.0))
    barred = [link.name for link in rules.links if not link.attaches]
    return edges.withColumn("attach_weight", F.when(~F.col("link").isin(barred), F.col("weight")))


def _account_links(edges: DataFrame) -> DataFrame:
    """(account, type, value) → strongest weight (and strongest attaching one), total evidence, first sighting."""
    return (edges.where(F.col("identifier_type") == ACCOUNT)
            .groupBy(F.col("identifier").alias("account"), F.col("linked_type").alias("type"),
                     F.col("linked_identifier").alias("value"))
            .agg(F.max("weight").alias("weight"), F.max("attach_weight").alias("attach_weight"),
                 F.sum("evidence_count").alias("evidence"), F.min("first_seen_at").alias("first_seen_at")))


def _nodes(edges: DataFrame) -> DataFrame:
    """Every identifier of the graph with its first and last sighting."""
    ends = edges.select(F.col("identifier_type").alias("type"), F.col("identifier").alias("value"),
                        "first_seen_at", "last_seen_at").unionByName(
        edges.select(F.col("linked_type").alias("type"), F.col("linked_identifier").alias("value"),
                     "first_seen_at", "last_seen_at"))
    return ends.groupBy("type", "value").agg(F.min("first_seen_at").alias("first_seen_at"),
                                             F.max("last_seen_at").alias("last_seen_at"))


def _degrees(links: DataFrame) -> DataFrame:
    """(type, value, accounts): how many accounts each identifier links (links hold one row per account, type
    and value). Hubs are judged by it, and a composite against its base."""
    return links.groupBy("type", "value").agg(F.count(F.lit(1)).alias("accounts"))


def _hubs(degrees: DataFrame, rules: Rules, guards: bool) -> tuple[DataFrame, float]:
    if not guards:
        return degrees.limit(0), float("inf")
    measured = degrees.where(F.col("type") == PERSON_UNIQUE).approxQuantile("accounts", [rules.hub_quantile], 0.0)
    bound = max([float(rules.min_accounts_per_person), *measured])  # no unionid yet: the minimum
    # a composite is judged by its base instead (see _on_hub_bases)
    return degrees.where((F.col("accounts") > bound) & ~F.col("type").isin(*rules.composite_bases)), bound


def _on_hub_bases(links: DataFrame, degrees: DataFrame, hubs: DataFrame, rules: Rules) -> DataFrame:
    """(account, type, value) of links to a composite whose base is a hub that other names share too. A hub email
    whose every account registered one real name is one person's many accounts; among the eight to twenty-five
    accounts on a brushing farm's phone, two share a name by chance."""
    base_type = F.create_map(*chain.from_iterable((F.lit(t), F.lit(b)) for t, b in rules.composite_bases.items()))
    composites = (degrees.where(F.col("type").isin(*rules.composite_bases))
                  .select("type", "value", "accounts", base_type[F.col("type")].alias("base_type"),
                          F.substring_index("value", COMPOSITE_SEPARATOR, 1).alias("base")))
    bases = hubs.select(F.col("type").alias("base_type"), F.col("value").alias("base"),
                        F.col("accounts").alias("base_accounts"))
    shared_by_fewer = (composites.join(bases, ["base_type", "base"])
                       .where(F.col("accounts") < F.col("base_accounts")).select("type", "value"))
    return links.join(shared_by_fewer, ["type", "value"]).select("account", "type", "value")


def _recycled(edges: DataFrame, rules: Rules) -> DataFrame:
    """(account, type, value) of links to a number reissued since: another account registered it more than the
    link's ``recycled_after_days`` after this account was last seen (step 2 of ``rules.yaml``)."""
    quiet = {link.name: link.recycled_after_days for link in rules.links if link.recycled_after_days}
    days = F.create_map(*chain.from_iterable((F.lit(name), F.lit(n)) for name, n in quiet.items()))
    registered = (edges.where(F.col("link").isin(*quiet)) if quiet else edges.limit(0)).select(
        F.col("identifier").alias("account"), F.col("linked_type").alias("type"),
        F.col("linked_identifier").alias("value"), F.col("first_seen_at").alias("registered"),
        days[F.col("link")].alias("quiet_days"))
    last_seen = (edges.where(F.col("identifier_type") == ACCOUNT)
                 .groupBy(F.col("identifier").alias("account")).agg(F.max("last_seen_at").alias("last_seen")))
    later = registered.select(F.col("account").alias("newer"), "type", "value",
                              F.col("registered").alias("newer_registered"))
    return (registered.join(last_seen, "account").join(later, ["type", "value"])
            .where((F.col("newer") != F.col("account"))
                   & (F.col("newer_registered") > F.col("last_seen") + F.make_interval(days=F.col("quiet_days"))))
            .select("account", "type", "value").distinct())


def _components(labels: DataFrame, pairs: DataFrame) -> DataFrame:
    """Min-label propagation over undirected ``pairs`` (src, dst): every id gets its component's least label."""
    both_ways = pairs.select("src", "dst").unionByName(pairs.select(F.col("dst").alias("src"),
                                                                    F.col("src").alias("dst"))).localCheckpoint()
    for round_ in range(1, MAX_ROUNDS + 1):
        proposed = (both_ways.join(labels.withColumnRenamed("id", "src"), "src")
                    .groupBy(F.col("dst").alias("id")).agg(F.min("label").alias("proposed")))
        updated = (labels.join(proposed, "id", "left")
                   .select("id", F.least("label", F.coalesce("proposed", "label")).alias("label"),
                           (F.col("proposed") < F.col("label")).alias("changed"))
                   .localCheckpoint())
        labels = updated.drop("changed")
        if updated.where("changed").isEmpty():
            log.info("identity: components settled after %d rounds", round_)
            return labels
    raise RuntimeError(f"identity: components did not settle in {MAX_ROUNDS} rounds")


def _strongest(candidates: DataFrame) -> DataFrame:
    """Per identifier (type, value), the candidate label with the strongest link, most evidence, first sighting."""
    order = Window.partitionBy("type", "value").orderBy(F.desc("weight"), F.desc("evidence"),
                                                         F.asc("first_seen_at"), F.asc("label"))
    return candidates.withColumn("_rank", F.row_number().over(order)).where("_rank = 1").select("type", "value",
                                                                                               "label")


def _shared(candidates: DataFrame, both_ways: DataFrame) -> DataFrame:
    """Identifiers two customers use (a family's email or tablet) belong to neither alone, and neither does what
    is bound one-to-one to them (the tablet's visitor id: a link of weight 1 between two non-account ids)."""
    spread = candidates.groupBy("type", "value").agg(F.countDistinct("label").alias("customers"))
    shared = spread.where("customers > 1").select("type", "value")
    bound = (both_ways.where(F.col("weight") >= 1.0).join(shared.toDF("b_type", "b_value"), ["b_type", "b_value"])
             .select(F.col("a_type").alias("type"), F.col("a_value").alias("value")))
    return shared.unionByName(bound).distinct()


def resolve(edges: DataFrame, rules: Rules, guards: bool = True) -> Resolution:
    """Customers of the graph ``edges`` (:func:`spark_jobs.identity.edges.identity_edges`).

    ``guards=False`` drops every guard (hubs, weights, links that do not attach), to show what they prevent.
    """
    edges = _weighed(edges, rules, guards).localCheckpoint()
    nodes = _nodes(edges).localCheckpoint()
    links = _account_links(edges)
    degrees = _degrees(links).localCheckpoint()
    hubs, bound = _hubs(degrees, rules, guards)
    hubs = hubs.localCheckpoint()
    usable = links.join(hubs.select("type", "value"), ["type", "value"], "left_anti")
    if guards:
        recycled = _recycled(edges, rules).localCheckpoint()
        usable = (usable.join(recycled, ["account", "type", "value"], "left_anti")
                  .join(_on_hub_bases(links, degrees, hubs, rules), ["account", "type", "value"], "left_anti"))
        log.info("identity: %d links to a number since reissued to another account left out", recycled.count())

    # Step 3: pairs of accounts with enough shared evidence, each evidence group counted once.
    group = F.create_map(*chain.from_iterable((F.lit(t), F.lit(g)) for t, g in rules.groups.items()))
    left, right = usable.alias("l"), usable.alias("r")
    pairs = (left.join(right, (F.col("l.type") == F.col("r.type")) & (F.col("l.value") == F.col("r.value"))
                       & (F.col("l.account") < F.col("r.account")))
             .select(F.col("l.account").alias("src"), F.col("r.account").alias("dst"),
                     group[F.col("l.type")].alias("group"), F.least("l.weight", "r.weight").alias("weight"))
             .groupBy("src", "dst", "group").agg(F.max("weight").alias("weight"))
             .groupBy("src", "dst").agg(F.sum("weight").alias("score"))
             .where(F.col("score") >= rules.merge_threshold))

    # Step 4: customers of accounts.
    accounts = nodes.where(F.col("type") == ACCOUNT).select(
        F.col("value").alias("id"), _label("first_seen_at", F.lit(ACCOUNT), "value").alias("label"))
    customers = _components(accounts, pairs)

    # Step 5: every other identifier, by its strongest link to an account...
    candidates = (usable.join(customers.withColumnRenamed("id", "account"), "account")
                  .where((F.col("type") != ACCOUNT) & F.col("attach_weight").isNotNull())
                  .withColumn("weight", F.col("attach_weight")))
    others = (edges.where(F.col("identifier_type") != ACCOUNT)
              .select(F.col("identifier_type").alias("a_type"), F.col("identifier").alias("a_value"),
                      F.col("linked_type").alias("b_type"), F.col("linked_identifier").alias("b_value"),
                      "weight", "attach_weight", F.col("evidence_count").alias("evidence"), "first_seen_at"))
    both_ways = others.unionByName(others.select(
        F.col("b_type").alias("a_type"), F.col("b_value").alias("a_value"), F.col("a_type").alias("b_type"),
        F.col("a_value").alias("b_value"), "weight", "attach_weight", "evidence", "first_seen_at"))
    shared = _shared(candidates, both_ways) if guards else hubs.select("type", "value").limit(0)
    via_accounts = _strongest(candidates.join(shared, ["type", "value"], "left_anti"))
    attached = customers.select(F.lit(ACCOUNT).alias("type"), F.col("id").alias("value"), "label").unionByName(
        via_accounts).localCheckpoint()
    # ...then through its links to identifiers attached so far (a visitor id to its device).
    hub_keys = hubs.select("type", "value").unionByName(shared).localCheckpoint()  # hubs and shared: nobody's
    free = (both_ways.join(hub_keys.toDF("a_type", "a_value"), ["a_type", "a_value"], "left_anti")
            .join(hub_keys.toDF("b_type", "b_value"), ["b_type", "b_value"], "left_anti")).localCheckpoint()
    for _ in range(2):
        reached = (free.where(F.col("attach_weight").isNotNull())
                   .join(attached.toDF("b_type", "b_value", "label"), ["b_type", "b_value"])
                   .join(attached.select(F.col("type").alias("a_type"), F.col("value").alias("a_value")),
                         ["a_type", "a_value"], "left_anti")
                   .select(F.col("a_type").alias("type"), F.col("a_value").alias("value"), "label", "weight",
                           "evidence", "first_seen_at"))
        attached = attached.unionByName(_strongest(reached)).localCheckpoint()

    # The rest (a guest's phone and device, a visitor who never logged in): customers of their own.
    placed = attached.select("type", "value")
    loose = (nodes.where(~F.col("type").isin(*rules.evidence_only)).join(placed, ["type", "value"], "left_anti")
             .join(hub_keys, ["type", "value"], "left_anti"))
    loose_labels = loose.select(F.concat_ws(":", "type", "value").alias("id"),
                                _label("first_seen_at", F.col("type"), F.col("value")).alias("label"))
    loose_pairs = (free.join(placed.toDF("a_type", "a_value"), ["a_type", "a_value"], "left_anti")
                   .join(placed.toDF("b_type", "b_value"), ["b_type", "b_value"], "left_anti")
                   .select(F.concat_ws(":", "a_type", "a_value").alias("src"),
                           F.concat_ws(":", "b_type", "b_value").alias("dst")))
    on_their_own = (_components(loose_labels, loose_pairs)
                    .select(F.split("id", ":", 2)[0].alias("type"), F.split("id", ":", 2)[1].alias("value"),
                            "label"))

    labelled = attached.unionByName(on_their_own)
    anchor = F.split("label", r"\|", 3)
    identifiers = (
        nodes.where(~F.col("type").isin(*rules.evidence_only))
        .join(labelled, ["type", "value"], "left")
        .join(hubs.withColumn("is_hub", F.lit(True)), ["type", "value"], "left")
        .join(shared.withColumn("is_shared", F.lit(True)), ["type", "value"], "left")
        .select(F.col("type").alias("identifier_type"), F.col("value").alias("identifier"),
                F.when(F.col("label").isNotNull(),
                       F.concat(F.lit("C"), F.substring(F.sha2(F.concat_ws(":", anchor[1], anchor[2]), 256), 1, 16)))
                .alias("customer_key"),
                anchor[1].alias("anchor_type"), anchor[2].alias("anchor"),
                F.coalesce("is_hub", F.lit(False)).alias("is_hub"),
                F.coalesce("is_shared", F.lit(False)).alias("is_shared"), F.col("accounts").alias("hub_accounts"),
                "first_seen_at", "last_seen_at")
    )
    per_customer, known = Window.partitionBy("customer_key"), F.col("customer_key").isNotNull()
    identifiers = (identifiers
                   .withColumn("customer_identifiers", F.when(known, F.count(F.lit(1)).over(per_customer)))
                   .withColumn("customer_accounts", F.when(known, F.sum(
                       (F.col("identifier_type") == ACCOUNT).cast("int")).over(per_customer))))
    return Resolution(identifiers, hubs, bound)
