"""
### Customer marts (OneID profiles): silver + identity map → `marts.customers` and its siblings

`marts.customer_identifiers`, `marts.audiences` and `marts.customer_attribute_coverage`.

Runs whenever the identity map is republished (after any source that carries
identifiers) or a table the profiles read without feeding the graph is updated
({extra}). One dbt build makes the staging and intermediate models and the four
marts in their candidates, with every dbt test and unit test; Great Expectations
gates each candidate; then each is published in one Delta commit, and dbt's
docs site (`<var>/dbt/docs`, `ecomlake dbt-docs --serve`) is regenerated with
each attribute's coverage as published. Every
attribute is computed as of the data date, so a rerun on the same data gives
the same profiles. Audiences only hold customers with marketing consent.

**When this fails**: `DbtError` names the model or test — reproduce with
`make dbt ARGS="build --select +customers"`. `QualityGateError` names the mart
and the expectation. The published marts are untouched either way.
"""

from __future__ import annotations

from airflow.sdk import AssetAny, dag, task

from orchestration.assets import table_asset
from orchestration.dag_settings import dag_settings
from orchestration.dbt import mart_models

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
    def build_customer_marts() -> dict:
        """dbt build of the marts and everything they read, into the candidates (models, tests, unit tests);
        skipped until every table dbt reads (its sources file) has been published once."""
        from orchestration.dag_settings import on_engine
        from orchestration.marts import build_candidates, dbt_sources, require_inputs

        on_engine(require_inputs, dbt_sources())
        return on_engine(build_candidates, MARTS, only_if_changed=True)

    @task
    def gate_customer_marts(built: dict) -> dict:
        """Great Expectations on each candidate version dbt built."""
        from orchestration.dag_settings import on_engine
        from orchestration.marts import gate_candidates

        return on_engine(gate_candidates, built["candidates"])

    @task(outlets=[table_asset(t) for t in MARTS])
    def publish_customer_marts(built: dict, checked: dict) -> dict:
        """Publish the checked candidates (once each), then report the run."""
        from orchestration.dag_settings import on_engine
        from orchestration.marts import attribute_coverage, publish_all
        from orchestration.reports import write_report

        published = on_engine(publish_all, built)
        on_engine(write_report, "customer_marts", MARTS, {"marts": built, "marts_check": checked,
                                                          "publish": published,
                                                          "coverage": on_engine(attribute_coverage)})
        return published

    @task
    def document_customer_marts() -> dict:
        """dbt docs generate, the customers page listing each attribute's coverage as just published."""
        from orchestration.dag_settings import on_engine
        from orchestration.marts import generate_docs

        return on_engine(generate_docs)

    built = build_customer_marts()
    publish_customer_marts(built, gate_customer_marts(built)) >> document_customer_marts()


customer_marts()
