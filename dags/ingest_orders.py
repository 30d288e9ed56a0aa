"""
### Ingest orders: landing → bronze (+ quarantine) → silver

Starts when an OMS delivery arrives (asset `landing.orders`, watched by an
AssetWatcher), loads every ready delivery not yet in bronze, one batch per
delivery date, and applies the change events to `silver.orders`. Deliveries
that arrive together make one run. Re-runs change nothing already loaded.
Backfill a date range with `ecomlake backfill --start D1 --end D2` (or trigger
this DAG with `{"replay_from": "D1", "replay_to": "D2"}`).

**When this fails**: the failed task's log says why. `QualityGateError` names
the table, the expectation and sample values (Data Docs: `var/quality/data_docs`);
nothing was written for that delivery, so fix or re-deliver it and clear the
task. An alert is in `var/alerts/alerts.jsonl` (or your webhook).
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from ecomlake.assets import landing_asset, table_asset
from ecomlake.orchestration import dag_settings


@dag(
    dag_id="ingest_orders",
    schedule=[landing_asset("orders")],
    tags=["orders", "ingestion", "bronze", "silver"],
    doc_md=__doc__,
    **dag_settings(),
    params={
        "replay_from": Param(None, type=["null", "string"], format="date",
                             description="Backfill: re-ingest deliveries from this date (YYYY-MM-DD)..."),
        "replay_to": Param(None, type=["null", "string"], format="date", description="...to this date."),
    },
)
def ingest_orders():
    @task(outlets=[table_asset("bronze.orders"), table_asset("quarantine.orders")])
    def load_bronze(params: dict) -> dict:
        from ecomlake.orchestration import fail_fast_on_data_errors
        from ecomlake.pipeline import ingest, replay

        if params.get("replay_from"):
            replay("orders", params["replay_from"], params.get("replay_to") or params["replay_from"])
        with fail_fast_on_data_errors():
            return ingest("orders")

    @task(outlets=[table_asset("silver.orders")])
    def build_silver(bronze: dict) -> dict:
        """Apply pending batches to silver, then report the run (in this task: one Spark start less)."""
        from ecomlake.pipeline import build_silver_orders, write_report

        silver = build_silver_orders()
        write_report("ingest_orders", ("bronze.orders", "quarantine.orders", "silver.orders"),
                     {"ingest": bronze, "silver": silver})
        return silver

    build_silver(load_bronze())


ingest_orders()
