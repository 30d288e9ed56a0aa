"""The ingestion hops (landing → bronze + quarantine → silver); each is a transaction keyed by its batches.

Every step runs on the process's warm Spark session (:func:`get_spark`) and
returns a small JSON-able dict that Airflow keeps as the task's XCom and the
summary prints.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

from ecomlake.config import settings
from ecomlake.contracts import load_contract
from ecomlake.landing import ready_deliveries
from ecomlake.spark import get_spark
from orchestration.reports import docs_dir, gates_summary

log = logging.getLogger(__name__)


def replayed(source: str, first_day: str | None, last_day: str | None = None) -> list[str] | None:
    """Backfill: the ready deliveries of ``source`` dated ``first_day``..``last_day`` (default ``first_day``);
    ``None`` without a first day, which means "whatever is new"."""
    if not first_day:
        return None
    return [day for day in ready_deliveries(settings(), source) if first_day <= day <= (last_day or first_day)]


def claim(source: str, run_id: str, deliveries: list[str] | None = None) -> list:
    """The batches run ``run_id`` loads: those it claimed before (a cleared or retried run redoes exactly
    these), else every file of ``deliveries`` (a backfill), else every ready file no run has claimed."""
    from spark_jobs import bronze

    spark, cfg, contract = get_spark(), settings(), load_contract(source)
    if mine := bronze.claimed_batches(spark, source, run_id):
        log.info("%s: run %s redoes its %d batches", source, run_id, len(mine))
        return mine
    days = deliveries if deliveries is not None else ready_deliveries(cfg, source)
    landed = {day: bronze.landed_files(cfg, contract, day) for day in days}
    wanted = set(bronze.unclaimed(spark, source, [f for files in landed.values() for f in files])
                 if deliveries is None else [f for files in landed.values() for f in files])
    at = datetime.now(UTC).replace(tzinfo=None)
    batches = [
        bronze.Batch(source, bronze.batch_id_for(f"{source}/{day}", files), tuple(files), at)
        for day, all_files in landed.items() if (files := [f for f in all_files if f in wanted])
    ]
    bronze.record_claims(spark, source, run_id, batches)
    log.info("%s: run %s claims %s", source, run_id, ", ".join(b.batch_id for b in batches) or "nothing new")
    return batches


def ingest(source: str, run_id: str | None = None, deliveries: list[str] | None = None) -> dict:
    """Landing → bronze + quarantine for the batches of run ``run_id`` (see :func:`claim`).

    Each batch passes its quality gates (share of quarantined records, then the bronze suite) before it
    is written; a failed critical expectation leaves every table as it was and the batch with its run.
    Without a run id (a call by hand or from a test) the call is a run of its own.
    """
    from expectations.contract_rules import bronze_suite, bronze_view, delivery_suite, delivery_view
    from expectations.gate import check
    from spark_jobs import bronze

    spark, cfg, contract = get_spark(), settings(), load_contract(source)
    started = time.monotonic()
    run_id = run_id or f"manual__{uuid.uuid4().hex}"
    gates = []

    def gate(validated, records: int) -> None:
        gates.append(check(delivery_view(validated), f"landing.{source}", delivery_suite(contract, records),
                           docs_dir()))
        gates.append(check(bronze_view(bronze.to_bronze(validated, contract), contract), f"bronze.{source}",
                           bronze_suite(contract), docs_dir()))

    loads = [bronze.load(spark, cfg, contract, batch, gate) for batch in claim(source, run_id, deliveries)]
    return {
        "source": source,
        "run_id": run_id,
        "batches": [r.batch_id for r in loads],
        "files": sum(len(r.files) for r in loads),
        "rows_in": sum(r.rows_in for r in loads),
        "rows_to_bronze": sum(r.rows_to_bronze for r in loads),
        "erased": sum(r.erased for r in loads),
        "quarantined": dict(sorted(sum((Counter(r.quarantined) for r in loads), Counter()).items())),
        "expectations": gates_summary(gates),
        "seconds": round(time.monotonic() - started, 1),
    }


def build_silver(source: str, batches: list[str] | None = None) -> dict:
    """Bronze → silver by write-audit-publish, for ``batches`` plus any loaded batch silver still lacks.

    Write the rows these batches change to a candidate table, audit silver as it would be (the silver
    suite and the cross-table checks), then publish in one Delta commit. Readers never see an unchecked
    version; a failed audit or a crash anywhere leaves silver as it was and the batches pending, and a
    re-run publishes once (a batch already published changes nothing the second time).
    """
    from ecomlake.pii import hmac_key
    from expectations.contract_rules import cross_checks, silver_suite, silver_view
    from expectations.gate import check
    from spark_jobs import bronze, silver

    spark, contract = get_spark(), load_contract(source)
    started = time.monotonic()
    table = contract.silver_table
    to_apply = sorted({*(batches or []), *bronze.pending_batches(spark, source, table)})
    gates = []
    changed = 0
    if to_apply:
        candidate = silver.write_candidate(spark, contract, to_apply, hmac_key(settings()))
        if changed := candidate.count():
            future = silver.published_view(spark, contract, candidate)
            gates.append(check(silver_view(future, contract), table, silver_suite(contract), docs_dir()))
            gates += [check(view, name, rules, docs_dir())
                      for name, view, rules in cross_checks(spark, contract, future)]
            silver.publish(spark, contract, candidate)
        bronze.mark_applied(spark, table, to_apply)
    else:
        log.info("%s: no pending batch, nothing to apply", table)
    rows = spark.table(table).count() if spark.catalog.tableExists(table) else 0
    return {"table": table, "batches_applied": to_apply, "rows_changed": changed, "rows": rows,
            "expectations": gates_summary(gates), "seconds": round(time.monotonic() - started, 1)}


def ingest_and_build(source: str, run_id: str | None = None, deliveries: list[str] | None = None) -> dict:
    """The whole ingestion hop of one source, as the DAG's two tasks run it (for the CLI and tests)."""
    loaded = ingest(source, run_id, deliveries)
    return {"ingest": loaded, "silver": build_silver(source, loaded["batches"])}
