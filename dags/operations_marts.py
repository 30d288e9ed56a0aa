"""
### Operations marts: orders, browsing, stock, carriers, tickets → every model in `dbt_project/models/marts/operations/`

`marts.product_performance_daily` (views, orders, units, GMV, margin, returns per SKU),
`marts.product_groups_daily` (the same by category, brand and role, with the hot items' share of GMV),
`marts.inventory_daily` (stock and stockouts per warehouse and SKU, days without a count marked),
`marts.inventory_turnover_daily` (sell-through, days of inventory, turnover days per SKU),
`marts.deliveries` (one row per shipment), `marts.fulfilment_daily` (on time, within 48 hours, returns by
carrier and city tier), `marts.service_daily` (first response, resolution, NPS),
`marts.service_nps_by_segment` (NPS by the customers' RFM segment and lifecycle stage), and the two risk
detectors: `marts.suspicious_orders` (order brushing) and the price audit,
`marts.price_discrimination_findings` with its `marts.price_discrimination_evidence`.

Runs whenever {triggers} is updated. One dbt build makes the staging models and
every operations mart in its candidate, with every dbt data test;
Great Expectations gates each candidate; only when every gate passed is each
mart published, in one Delta commit each (`orchestration/mart_tasks.py`: a new
model file in that folder is a new gate and publish task here).

**When this fails**: `DbtError` names the model or test — reproduce with
`make dbt ARGS="build --select +fulfilment_daily"`. `QualityGateError` names
the mart and the expectation. The published marts are untouched either way.
"""

from __future__ import annotations

from airflow.sdk import AssetAny, dag

from orchestration.assets import table_asset
from orchestration.dag_settings import dag_settings
from orchestration.dbt import mart_models
from orchestration.mart_tasks import wap_mart_tasks

MARTS = mart_models("operations")
TRIGGERS = ("silver.logistics_events", "silver.service_tickets", "silver.orders", "silver.clickstream_events",
            "silver.products", "silver.inventory", "silver.identity_map", "silver.users")


@dag(
    dag_id="operations_marts",
    schedule=AssetAny(*[table_asset(t) for t in TRIGGERS]),
    tags=["operations", "logistics", "service", "dbt", "marts"],
    doc_md=__doc__.format(triggers=", ".join(f"`{t}`" for t in TRIGGERS)),
    **dag_settings(),
)
def operations_marts():
    wap_mart_tasks("operations_marts", MARTS)


operations_marts()
