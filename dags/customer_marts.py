"""
### Customer marts (OneID profiles): silver + identity map → `marts.customers` and its siblings

`marts.customer_identifiers`, `marts.audiences` and `marts.customer_attribute_coverage`.

Runs whenever the identity map is republished (after any source that carries
identifiers) or a table the profiles read without feeding the graph is updated
({extra}). One dbt build makes the staging and intermediate models and the
marts in their candidates, with every dbt data test; Great Expectations
gates each candidate; only when every gate passed is each published in one
Delta commit (see `orchestration/mart_tasks.py`: a new model file in
`models/marts/customers/` is a new gate and publish task), and dbt's docs
site (`<var>/dbt/docs`, `ecomlake dbt-docs --serve`) is regenerated with
each attribute's coverage as published. Every attribute is computed as of the
data date, so a rerun on the same data gives the same profiles. Audiences only hold customers with marketing consent.

**When this fails**: `DbtError` names the model or test — reproduce with
`make dbt ARGS="build --select +customers"`. `QualityGateError` names the mart
and the expectation. The published marts are untouched either way.
"""

from __future__ import annotations

from airflow.sdk import AssetAny, dag, task

from orchestration.assets import table_asset
from orchestration.dag_settings import dag_settings
from orchestration.dbt import mart_models
from orchestration.mart_tasks import wap_mart_tasks

MARTS = mart_models("customers")
# What the profiles read that does not feed the identity graph (whose updates republish the map).
EXTRA_READS = ("silver.products", "silver.coupon_events")
TRIGGERS = ("silver.identity_map", *EXTRA_READS)


@dag(
    dag_id="customer_marts",
    schedule=AssetAny(*[table_asset(t) for t in TRIGGERS]),
    tags=["customers", "oneid", "dbt", "marts"],
    doc_md=__doc__.format(extra=", ".join(f"`{t}`" for t in EXTRA_READS)),
    **dag_settings(),
)
def customer_marts():
    @task
    def document_customer_marts() -> dict:
        """dbt docs generate, the customers page listing each attribute's coverage as just published."""
        from orchestration.dag_settings import on_engine
        from orchestration.marts import generate_docs

        return on_engine(generate_docs)

    wap_mart_tasks("customer_marts", MARTS, report_extras=("attribute_coverage",)) >> document_customer_marts()


customer_marts()
