"""The marts hop (silver → staging → marts with dbt), gated by tests and expectations."""

from __future__ import annotations

import logging

from ecomlake.spark import get_spark
from orchestration.reports import docs_dir, gates_summary

log = logging.getLogger(__name__)


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
        gate = check(spark.table(table), table, _mart_suite(table), docs_dir())
    except QualityGateError:
        _restore(spark, table, previous_version)
        raise
    return {"expectations": gates_summary([gate])}
