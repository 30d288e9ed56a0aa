"""
### Marketing marts: sessions, touchpoints and attribution → every model in `dbt_project/models/marts/marketing/`

Runs whenever the identity map is republished (after any source that carries
identifiers: clickstream and orders among them) or the ad platforms deliver
spend ({extra}). One dbt build makes the staging and intermediate models
(sessions, touchpoints, journeys, the rule-based and Shapley credits) and every
marketing mart in its candidate, with every dbt data test; Great
Expectations gates each candidate; only when every gate passed is each mart
published, in one Delta commit each, so the marts always agree with each other.
The tasks come from the model files: a new model in that folder is a new
gate and publish task here, with no edit to this file (its expectation suite
is registered in `expectations/registry.py`).

**When this fails**: `DbtError` names the model or test — reproduce with
`make dbt ARGS="build --select +order_attribution"`. `QualityGateError` names
the mart and the expectation. The published marts are untouched either way.
"""

from __future__ import annotations

from airflow.sdk import AssetAny, dag

from orchestration.assets import table_asset
from orchestration.dag_settings import dag_settings
from orchestration.dbt import mart_models
from orchestration.mart_tasks import wap_mart_tasks

MARTS = mart_models("marketing")
# Spend is read by no identity link, so its deliveries start the DAG themselves.
EXTRA_READS = ("silver.ad_spend",)
TRIGGERS = ("silver.identity_map", *EXTRA_READS)


@dag(
    dag_id="marketing_marts",
    schedule=AssetAny(*[table_asset(t) for t in TRIGGERS]),
    tags=["marketing", "attribution", "dbt", "marts"],
    doc_md=__doc__.format(extra=", ".join(f"`{t}`" for t in EXTRA_READS)),
    **dag_settings(),
)
def marketing_marts():
    wap_mart_tasks("marketing_marts", MARTS)


marketing_marts()
