"""The ingestion hops (landing → bronze + quarantine → silver); each is a transaction keyed by its batches.

Every step runs on the process's warm Spark session (:func:`get_spark`) and
returns a small JSON-able dict that Airflow keeps as the task's XCom and the
summary prints.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

from ecomlake.config import settings
from ecomlake.contracts import load_contract
from ecomlake.landing import ready_deliveries
from ecomlake.spark import get_spark
from orchestration.marts import _current_version, _restore  # until silver is write-audit-publish
from orchestration.reports import docs_dir, gates_summary

log = logging.getLogger(__name__)


def replay(source: str, first_day: str, last_day: str) -> list[str]:
    """Backfill: make the deliveries of ``first_day``..``last_day`` pending again, for the next ingest."""
    from spark_jobs import bronze

    contract = load_contract(source)
    deliveries = [f"{source}/{day}" for day in ready_deliveries(settings(), source) if first_day <= day <= last_day]
    batches = bronze.forget(get_spark(), source, contract.silver_table, deliveries)
    log.info("replaying %d deliveries of %s: %s", len(deliveries), source, ", ".join(deliveries) or "none")
    return batches


def ingest(source: str) -> dict:
    """Load every ready delivery of ``source`` not yet in bronze, one batch per delivery date.

    Each batch passes its quality gates (share of quarantined records, then the
    bronze suite) before it is written; a failed critical expectation leaves
    every table as it was.
    """
    from expectations.contract_rules import bronze_suite, bronze_view, delivery_suite, delivery_view
    from expectations.gate import check
    from spark_jobs import bronze

    spark, cfg, contract = get_spark(), settings(), load_contract(source)
    started = time.monotonic()
    gates = []

    def gate(validated, records: int) -> None:
        gates.append(check(delivery_view(validated), f"landing.{source}", delivery_suite(contract, records),
                           docs_dir()))
        gates.append(check(bronze_view(bronze.to_bronze(validated, contract), contract), f"bronze.{source}",
                           bronze_suite(contract), docs_dir()))

    done = bronze.ingested_files(spark, source)
    loads = [
        bronze.load(spark, cfg, contract, bronze.landed_files(cfg, contract, day), f"{source}/{day}", done, gate)
        for day in ready_deliveries(cfg, source)
    ]
    return {
        "source": source,
        "batches": [r.batch_id for r in loads if r.files],
        "files": sum(len(r.files) for r in loads),
        "files_already_ingested": sum(len(r.skipped_files) for r in loads),
        "rows_in": sum(r.rows_in for r in loads),
        "rows_to_bronze": sum(r.rows_to_bronze for r in loads),
        "quarantined": dict(sorted(sum((Counter(r.quarantined) for r in loads), Counter()).items())),
        "quarantine_fingerprint": _quarantine_fingerprint(spark, source),
        "expectations": gates_summary(gates),
        "seconds": round(time.monotonic() - started, 1),
    }


def _quarantine_fingerprint(spark, source: str) -> dict:
    """Of everything ``quarantine.<source>`` holds, from every delivery so far."""
    from ecomlake.quarantine import fingerprint

    table = f"quarantine.{source}"
    rows = spark.table(table).select("_record_hash", "reason").collect() if spark.catalog.tableExists(table) else []
    return fingerprint((r._record_hash, r.reason) for r in rows)


def build_silver(source: str) -> dict:
    """Apply the pending bronze batches of ``source`` to its silver table, then gate it.

    A failed critical expectation restores the silver table to the version it
    had and leaves the batches pending.
    """
    from ecomlake.pii import hmac_key
    from expectations.contract_rules import cross_checks, silver_suite, silver_view
    from expectations.gate import QualityGateError, check
    from spark_jobs import bronze, silver

    spark, contract = get_spark(), load_contract(source)
    started = time.monotonic()
    table = contract.silver_table
    batches = bronze.pending_batches(spark, source, table)
    if not batches:
        log.info("%s: no pending batch, nothing to apply", table)
        rows = spark.table(table).count() if spark.catalog.tableExists(table) else 0
        return {"table": table, "batches_applied": [], "rows": rows, "expectations": None,
                "seconds": round(time.monotonic() - started, 1)}
    previous = _current_version(spark, table)
    silver.run(spark, contract, batches, hmac_key(settings()))
    try:
        gates = [check(silver_view(spark.table(table), contract), table, silver_suite(contract), docs_dir())]
        gates += [check(view, name, rules, docs_dir()) for name, view, rules in cross_checks(spark, contract)]
    except QualityGateError:
        _restore(spark, table, previous)
        raise
    bronze.mark_applied(spark, table, batches)
    return {"table": table, "batches_applied": batches, "rows": spark.table(table).count(),
            "expectations": gates_summary(gates), "seconds": round(time.monotonic() - started, 1)}


