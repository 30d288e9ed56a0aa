"""
### Orders marts: silver.orders → staging → marts.orders_daily

Runs whenever `silver.orders` is updated. One task per dbt model (the model,
then its tests), so a failure names the model; then the Great Expectations
gate on the mart. If the gate fails, the mart is restored to the version it
had before this run, so analysts never read a mart that failed its checks.

**When this fails**: `DbtError` names the model or test — reproduce with
`make dbt ARGS="build --select <model>"`. `QualityGateError` names the
expectation and sample rows; the previous mart is back in place.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from orchestration.assets import table_asset
from orchestration.dag_settings import dag_settings


@dag(
    dag_id="orders_marts",
    schedule=[table_asset("silver.orders")],
    tags=["orders", "dbt", "marts"],
    doc_md=__doc__,
    **dag_settings(),
)
def orders_marts():
    @task(outlets=[table_asset("staging.stg_orders__orders")])
    def stg_orders__orders() -> dict:
        from orchestration.dag_settings import fail_fast_on_data_errors
        from orchestration.marts import build_models

        with fail_fast_on_data_errors():
            return build_models("stg_orders__orders")

    @task
    def orders_daily() -> dict:
        """Build the mart; remember the version it replaces, for the gate to restore."""
        from orchestration.dag_settings import fail_fast_on_data_errors
        from orchestration.marts import build_mart

        with fail_fast_on_data_errors():
            return build_mart("marts.orders_daily")

    @task(outlets=[table_asset("marts.orders_daily")])
    def check_orders_daily(staging: dict, built: dict) -> dict:
        """Gate the mart (restoring it on failure), then report the run."""
        from orchestration.dag_settings import fail_fast_on_data_errors
        from orchestration.marts import check_mart
        from orchestration.reports import write_report

        with fail_fast_on_data_errors():
            checked = check_mart("marts.orders_daily", built["previous_version"])
        write_report("orders_marts", ("staging.stg_orders__orders", "marts.orders_daily"),
                     {"staging": staging, "mart": built, "mart_check": checked})
        return checked

    staging = stg_orders__orders()
    built = orders_daily()
    staging >> built
    check_orders_daily(staging, built)


orders_marts()
