"""The steps a pipeline DAG wires together; each is a transaction keyed by its batches.

Every step runs on the process's warm Spark session (:func:`get_spark`) and
returns a small JSON-able dict that Airflow keeps as the task's XCom and the
summary prints.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from ecomlake.config import settings
from ecomlake.contracts import load_contract
from ecomlake.landing import ready_deliveries
from ecomlake.spark import get_spark

log = logging.getLogger(__name__)


def _docs_dir() -> Path:
    return settings().var_dir / "quality" / "data_docs"


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
                           _docs_dir()))
        gates.append(check(bronze_view(bronze.to_bronze(validated, contract), contract), f"bronze.{source}",
                           bronze_suite(contract), _docs_dir()))

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
        "expectations": _gates_summary(gates),
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
        gates = [check(silver_view(spark.table(table), contract), table, silver_suite(contract), _docs_dir())]
        gates += [check(view, name, rules, _docs_dir()) for name, view, rules in cross_checks(spark, contract)]
    except QualityGateError:
        _restore(spark, table, previous)
        raise
    bronze.mark_applied(spark, table, batches)
    return {"table": table, "batches_applied": batches, "rows": spark.table(table).count(),
            "expectations": _gates_summary(gates), "seconds": round(time.monotonic() - started, 1)}


def build_models(select: str) -> dict:
    """``dbt build`` (models, then their tests and unit tests) for a selection."""
    from orchestration.dbt import run_dbt

    results = run_dbt("build", "--select", select)
    return {"select": select, "nodes": {r.name: r.status for r in results}}


def _mart_suite(table: str) -> list:
    """The suite of a mart, from its dataset's module."""
    from expectations import orders

    return {"marts.orders_daily": orders.orders_daily_suite}[table]()


def _current_version(spark, table: str) -> int | None:
    if not spark.catalog.tableExists(table):
        return None
    return spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()["version"]


def _restore(spark, table: str, version: int | None) -> None:
    """Put back the mart as it was before this run (or remove it if it did not exist)."""
    if version is None:
        spark.sql(f"DROP TABLE IF EXISTS {table}")
        log.warning("%s did not exist before this run: dropped the failed build", table)
    else:
        spark.sql(f"RESTORE TABLE {table} TO VERSION AS OF {version}")
        log.warning("%s restored to version %s", table, version)


def build_mart(table: str) -> dict:
    """Build one mart model with its tests; on a failing test, restore the previous version."""
    from orchestration.dbt import DbtError

    spark = get_spark()
    previous = _current_version(spark, table)
    try:
        built = build_models(table.split(".")[1])
    except DbtError:
        _restore(spark, table, previous)
        raise
    return {**built, "previous_version": previous}


def check_mart(table: str, previous_version: int | None) -> dict:
    """Gate a freshly built mart; a critical failure restores the version analysts had."""
    from expectations.gate import QualityGateError, check

    spark = get_spark()
    try:
        gate = check(spark.table(table), table, _mart_suite(table), _docs_dir())
    except QualityGateError:
        _restore(spark, table, previous_version)
        raise
    return {"expectations": _gates_summary([gate])}


def write_report(name: str, tables: tuple[str, ...], steps: dict) -> dict:
    """Row counts and locations of ``tables`` plus what the steps said, to ``<var>/reports/<name>.json``."""
    spark, cfg = get_spark(), settings()
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "profile": cfg.profile,
        "tables": {t: {"rows": spark.table(t).count(), "location": _location(spark, t)} for t in tables},
        "steps": steps,
    }
    path = cfg.var_dir / "reports" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    log.info("report written to %s", path)
    return report


def _location(spark, table: str) -> str:
    detail = spark.sql(f"DESCRIBE TABLE EXTENDED {table}").where("col_name = 'Location'").collect()
    return detail[0].data_type if detail else "(view)"


def _gates_summary(gates: list) -> dict | None:
    if not gates:
        return None
    return {
        "passed": sum(g.passed for g in gates),
        "evaluated": sum(len(g.outcomes) for g in gates),
        "warnings": [f"{g.table}: {o.describe()}" for g in gates for o in g.warnings],
    }
