"""The steps a pipeline DAG wires together; each is a transaction keyed by its batches.

Every step runs on the process's warm Spark session (:func:`get_spark`) and
returns a small JSON-able dict that Airflow keeps as the task's XCom and the
summary prints.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from ecomlake.config import settings
from ecomlake.contracts import load_contract
from ecomlake.generator import READY_MARKER
from ecomlake.spark import get_spark

log = logging.getLogger(__name__)

ORDERS_TABLES = ("bronze.orders", "quarantine.orders", "silver.orders", "staging.stg_orders__orders",
                 "marts.orders_daily")


def ready_deliveries(source: str) -> list[str]:
    """Delivery dates of ``source`` whose ``_READY`` marker has landed, oldest first."""
    root = Path(settings().landing_root) / source
    return sorted(marker.parent.name for marker in root.glob(f"*/{READY_MARKER}"))


def _docs_dir() -> Path:
    return settings().var_dir / "quality" / "data_docs"


def ingest(source: str) -> dict:
    """Load every ready delivery of ``source`` not yet in bronze, one batch per delivery date."""
    from pyspark.sql import functions as F

    from expectations import orders as suites
    from expectations.gate import check
    from spark_jobs import bronze

    spark, cfg, contract = get_spark(), settings(), load_contract(source)
    loads = [
        bronze.load(spark, cfg, contract, bronze.landed_files(cfg, source, day), f"{source}/{day}")
        for day in ready_deliveries(source)
    ]
    new_batches = [r.batch_id for r in loads if r.files]
    gate = None
    if new_batches:
        rows = spark.table(f"bronze.{source}").where(F.col("_batch_id").isin(new_batches))
        gate = check(suites.bronze_view(rows), f"bronze.{source}", suites.bronze_suite(), _docs_dir())
    return {
        "source": source,
        "batches": new_batches,
        "files": sum(len(r.files) for r in loads),
        "files_already_ingested": sum(len(r.skipped_files) for r in loads),
        "rows_in": sum(r.rows_in for r in loads),
        "rows_to_bronze": sum(r.rows_to_bronze for r in loads),
        "quarantined": dict(sorted(sum((Counter(r.quarantined) for r in loads), Counter()).items())),
        "expectations": _gate_summary(gate),
    }


def build_silver_orders() -> dict:
    from ecomlake.pii import hmac_key
    from spark_jobs import bronze, silver_orders

    spark = get_spark()
    batches = bronze.pending_batches(spark, "orders", silver_orders.TABLE)
    silver_orders.run(spark, batches, hmac_key(settings()))
    bronze.mark_applied(spark, silver_orders.TABLE, batches)
    return {"table": silver_orders.TABLE, "batches_applied": batches}


def build_models(select: str) -> dict:
    """``dbt build`` (models, then their tests and unit tests) for a selection."""
    from ecomlake.dbt import run_dbt

    results = run_dbt("build", "--select", select)
    return {"select": select, "nodes": {r.name: r.status for r in results}}


def check_orders_daily() -> dict:
    from expectations import orders as suites
    from expectations.gate import check

    gate = check(get_spark().table("marts.orders_daily"), "marts.orders_daily", suites.orders_daily_suite(),
                 _docs_dir())
    return {"expectations": _gate_summary(gate)}


def summarise(tables: tuple[str, ...], steps: dict) -> dict:
    """Row counts of every table plus what the steps reported; written to ``var/reports``."""
    spark, cfg = get_spark(), settings()
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "profile": cfg.profile,
        "tables": {t: {"rows": spark.table(t).count(), "location": _location(spark, t)} for t in tables},
        "steps": steps,
        "data_docs": str(_docs_dir() / "index.html"),
        "sql_endpoint": f"jdbc:hive2://{cfg.sql_endpoint.host}:{cfg.sql_endpoint.port}",
    }
    path = cfg.var_dir / "reports" / "latest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    log.info("summary written to %s", path)
    return report


def _location(spark, table: str) -> str:
    detail = spark.sql(f"DESCRIBE TABLE EXTENDED {table}").where("col_name = 'Location'").collect()
    return detail[0].data_type if detail else "(view)"


def _gate_summary(gate) -> dict | None:
    if gate is None:
        return None
    return {
        "passed": gate.passed,
        "evaluated": len(gate.outcomes),
        "warnings": [o.describe() for o in gate.warnings],
    }
