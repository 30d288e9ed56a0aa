"""
### Orders marts: silver.orders → staging → marts.orders_daily (write-audit-publish)

Runs whenever `silver.orders` is updated. The staging view first; then the mart
is built into `marts_candidate.orders_daily` with its dbt tests, the Great
Expectations gate checks that candidate, and only then is it published into
`marts.orders_daily` in one Delta commit. Analysts never read an unchecked
mart; a failure or crash at any step leaves the published mart as it was, and
a retried publish does not publish twice.

**When this fails**: `DbtError` names the model or test — reproduce with
`make dbt ARGS="build --select <model>"` (it builds into `marts_candidate`).
`QualityGateError` names the expectation and sample rows; query the candidate
to see them. The published mart is untouched either way.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from orchestration.assets import table_asset
from orchestration.dag_settings import dag_settings

MART = "marts.orders_daily"


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
        from orchestration.dag_settings import on_engine
        from orchestration.marts import build_models

        return on_engine(build_models, "stg_orders__orders")

    @task
    def build_orders_daily() -> dict:
        """dbt build of the mart into its candidate (model and data tests)."""
        from orchestration.dag_settings import on_engine
        from orchestration.marts import build_candidate

        return on_engine(build_candidate, MART, only_if_changed=True)

    @task
    def gate_orders_daily(built: dict) -> dict:
        """Great Expectations on the candidate version dbt built."""
        from orchestration.dag_settings import on_engine
        from orchestration.marts import gate_candidate

        return on_engine(gate_candidate, MART, built["candidate_version"])

    @task(outlets=[table_asset(MART)])
    def publish_orders_daily(staging: dict, built: dict, checked: dict) -> dict:
        """Publish the checked candidate (once), then report the run."""
        from orchestration.dag_settings import on_engine
        from orchestration.marts import publish
        from orchestration.reports import write_report

        published = on_engine(publish, MART, built["candidate_version"], built["built_from"])
        on_engine(write_report, "orders_marts", ("staging.stg_orders__orders", MART),
                  {"staging": staging, "mart": built, "mart_check": checked, "publish": published})
        return published

    staging = stg_orders__orders()
    built = build_orders_daily()
    staging >> built
    checked = gate_orders_daily(built)
    publish_orders_daily(staging, built, checked)


orders_marts()
