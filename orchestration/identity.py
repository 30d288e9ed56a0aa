"""The identity hop (silver → identity graph) as write-audit-publish.

The graph's edges and its resolution are written to ``silver_candidate``, the map is gated by Great
Expectations (every identifier in exactly one customer, no customer glued out of hundreds), and both
are then published into ``silver.identity_edges`` and ``silver.identity_map`` (one commit each, at most
once, see :func:`orchestration.marts.publish`).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import replace

from ecomlake.config import REPO_ROOT
from ecomlake.spark import get_spark
from orchestration import marts

log = logging.getLogger(__name__)

EDGES, MAP, CHANGES = "silver.identity_edges", "silver.identity_map", "silver.identity_key_changes"
CODE = (REPO_ROOT / "spark_jobs" / "identity", REPO_ROOT / "expectations")
"""What turns the sources into the map, besides the data: the identity jobs and rules, and the gates' suites."""
HUBS_SHOWN = 10


def _write_candidate(df, table: str) -> int:
    candidate = marts.candidate_of(table)
    df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(candidate)
    return marts.latest_version(get_spark(), candidate)


def build_candidate(guards: bool = True, only_if_changed: bool = False) -> dict:
    """Edges from silver and their resolution, into the candidates; what it found, for the log and the report.

    With ``only_if_changed``, raises :class:`~orchestration.marts.NothingNew` when edges and map were last
    published from the source versions and code it would read now."""
    from pyspark.sql import functions as F

    from spark_jobs.identity.edges import identity_edges
    from spark_jobs.identity.keys import key_changes
    from spark_jobs.identity.resolve import resolve
    from spark_jobs.identity.rules import load_rules

    spark, rules = get_spark(), load_rules()
    sources = sorted({link.source for link in rules.links})
    if not (present := [s for s in sources if spark.catalog.tableExists(s)]):
        raise marts.InputsMissing(f"waiting for the first publish of any of {', '.join(sources)}")
    built_from = marts.lineage(tuple(sources), CODE)
    if only_if_changed:
        marts.raise_if_built_from((EDGES, MAP), built_from)
    if missing := sorted(set(sources) - set(present)):
        log.info("identity: %s not published yet; its links wait for it", ", ".join(missing))
        rules = replace(rules, links=tuple(link for link in rules.links if link.source in present))
    # The data date: the last delivery the graph has seen (a rebuild of the same data gives the same date).
    data_date = max(spark.table(source).agg(F.max("_delivered_on")).first()[0] for source in present)
    started = time.monotonic()
    edges_version = _write_candidate(identity_edges(spark, rules), EDGES)
    resolution = resolve(spark.table(marts.candidate_of(EDGES)), rules, guards)
    map_version = _write_candidate(resolution.identifiers, MAP)
    seconds = round(time.monotonic() - started, 1)  # edges and resolution: what the benchmark reports
    built = spark.read.option("versionAsOf", map_version).table(marts.candidate_of(MAP))
    changes_version = None
    if spark.catalog.tableExists(MAP):
        changes_version = _write_candidate(key_changes(spark.table(MAP), built, data_date), CHANGES)
    customers = built.where("customer_key is not null").groupBy("customer_key").agg(
        F.count(F.lit(1)).alias("identifiers"), F.sum(F.expr("cast(identifier_type = 'user_id' as int)"))
        .alias("accounts"))
    largest = customers.orderBy(F.desc("identifiers")).first()
    hubs = built.where("is_hub").orderBy(F.desc("hub_accounts")).collect()
    summary = {
        "built_from": built_from, "data_date": str(data_date), "edges_version": edges_version,
        "map_version": map_version, "changes_version": changes_version, "guards": guards, "seconds": seconds,
        "identifiers": built.count(), "customers": customers.count(),
        "customers_with_accounts": customers.where("accounts > 0").count(),
        "largest_customer": {"identifiers": largest.identifiers, "accounts": largest.accounts} if largest else None,
        "accounts_per_person": resolution.accounts_per_person,
        "hubs": len(hubs),
        "shared": built.where("is_shared").count(),
        "hubs_by_type": dict(sorted(Counter(h.identifier_type for h in hubs).items())),
        "top_hubs": [{"type": h.identifier_type, "identifier": h.identifier[:12], "accounts": h.hub_accounts}
                     for h in hubs[:HUBS_SHOWN]],
    }
    log.info("identity: %(customers)s customers from %(identifiers)s identifiers; %(hubs)s hubs", summary)
    return summary


def gate_candidate(built: dict) -> dict:
    return marts.gate_candidate(MAP, built["map_version"])


def _append_once(table: str, candidate_version: int) -> int | None:
    """Append a candidate version to an append-only table: one commit, skipped by Delta when retried."""
    candidate = marts.candidate_of(table)
    rows = get_spark().read.option("versionAsOf", candidate_version).table(candidate)
    (rows.write.format("delta").mode("append").option("txnAppId", candidate)
     .option("txnVersion", marts.candidate_commit_ms(candidate, candidate_version)).saveAsTable(table))
    return rows.count()


def publish(built: dict) -> dict:
    """Edges and map (each replaced in one commit), then the key changes appended to their log."""
    published = {"edges": marts.publish(EDGES, built["edges_version"], built["built_from"]),
                 "map": marts.publish(MAP, built["map_version"], built["built_from"])}
    if built["changes_version"] is not None:
        published["key_changes"] = _append_once(CHANGES, built["changes_version"])
    return published


def refresh_identity(guards: bool = True) -> dict:
    """The whole hop for callers outside Airflow (tests, one-off runs): build, gate, publish."""
    built = build_candidate(guards)
    return {"identity": built, "identity_check": gate_candidate(built), "publish": publish(built)}
