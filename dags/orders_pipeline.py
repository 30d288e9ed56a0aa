"""
### Orders: landing → bronze → silver → marts

Loads every ready OMS delivery (`landing/orders/<date>/`, marked by `_READY`)
into `bronze.orders` and `quarantine.orders`, applies the change events to
`silver.orders`, builds the dbt models up to `marts.orders_daily`, and gates
bronze and the mart with Great Expectations. Every step is keyed by delivery
batch, so a re-run or retry changes nothing that is already loaded.

**When this fails**: open the failed task's log. `QualityGateError` names the
table, the expectation and sample values (Data Docs: `var/quality/data_docs`);
fix the delivery or the rule, then clear the task. `DbtError` names the model
or test; run `make dbt ARGS="build --select <model>"` to reproduce.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task

from ecomlake.assets import table_asset
from ecomlake.pipeline import ORDERS_TABLES

BRONZE, QUARANTINE, SILVER, STAGING, MART = (table_asset(t) for t in ORDERS_TABLES)

DEFAULT_ARGS = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
}


@dag(
    dag_id="orders_pipeline",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args=DEFAULT_ARGS,
    tags=["orders", "bronze", "silver", "marts"],
    doc_md=__doc__,
)
def orders_pipeline():
    @task(outlets=[BRONZE, QUARANTINE])
    def ingest_orders() -> dict:
        from ecomlake.pipeline import ingest
        from ecomlake.tasks import fail_fast_on_data_errors

        with fail_fast_on_data_errors():
            return ingest("orders")

    @task(outlets=[SILVER])
    def build_silver_orders() -> dict:
        from ecomlake.pipeline import build_silver_orders

        return build_silver_orders()

    @task(outlets=[STAGING, MART])
    def build_orders_marts() -> dict:
        from ecomlake.pipeline import build_models
        from ecomlake.tasks import fail_fast_on_data_errors

        with fail_fast_on_data_errors():
            return build_models("+orders_daily")

    @task
    def check_orders_daily() -> dict:
        from ecomlake.pipeline import check_orders_daily
        from ecomlake.tasks import fail_fast_on_data_errors

        with fail_fast_on_data_errors():
            return check_orders_daily()

    @task
    def summarise(ingested: dict, silver: dict, marts: dict, mart_check: dict) -> dict:
        from ecomlake.pipeline import summarise

        steps = {"ingest": ingested, "silver": silver, "marts": marts, "mart_check": mart_check}
        return summarise(ORDERS_TABLES, steps)

    ingested = ingest_orders()
    silver = build_silver_orders()
    marts = build_orders_marts()
    mart_check = check_orders_daily()
    ingested >> silver >> marts >> mart_check
    summarise(ingested, silver, marts, mart_check)


orders_pipeline()
