"""
### Marketing marts: sessions, touchpoints and attribution → every model in `dbt_project/models/marts/marketing/`

Runs whenever the identity map is republished (after any source that carries
identifiers: clickstream and orders among them) or the ad platforms deliver
spend ({extra}). One dbt build makes the staging and intermediate models
(sessions, touchpoints, journeys, the rule-based and Shapley credits) and every
marketing mart in its candidate, with every dbt test and unit test; Great
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

from airflow.sdk import AssetAny, dag, task

from orchestration.assets import table_asset
from orchestration.dag_settings import dag_settings
from orchestration.dbt import mart_models

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
    @task
    def build_marketing_marts() -> dict:
        """dbt build of the marts and everything they read, into the candidates (models, tests, unit tests);
        skipped until every table dbt reads (its sources file) has been published once."""
        from orchestration.dag_settings import on_engine
        from orchestration.marts import build_candidates, dbt_sources, require_inputs

        on_engine(require_inputs, dbt_sources())
        return on_engine(build_candidates, MARTS, only_if_changed=True)

    @task
    def gate_mart(built: dict, mart: str) -> dict:
        """Great Expectations on the candidate version dbt built."""
        from orchestration.dag_settings import on_engine
        from orchestration.marts import gate_candidate

        return on_engine(gate_candidate, mart, built["candidates"][mart])

    @task
    def publish_mart(built: dict, mart: str) -> dict:
        """Publish the checked candidate (once)."""
        from orchestration.dag_settings import on_engine
        from orchestration.marts import publish

        return on_engine(publish, mart, built["candidates"][mart], built["built_from"])

    @task
    def report_marketing_marts(built: dict, checked: list[dict], published: list[dict]) -> None:
        from orchestration.dag_settings import on_engine
        from orchestration.reports import write_report

        on_engine(write_report, "marketing_marts", MARTS, {
            "marts": built, "marts_check": dict(zip(MARTS, checked, strict=True)),
            "publish": dict(zip(MARTS, published, strict=True))})

    built = build_marketing_marts()
    gates = {mart: gate_mart.override(task_id=f"gate_{mart.split('.')[1]}")(built, mart) for mart in MARTS}
    published = []
    for mart in MARTS:
        publish_one = publish_mart.override(task_id=f"publish_{mart.split('.')[1]}", outlets=[table_asset(mart)])
        published.append(publish_one(built, mart))
        list(gates.values()) >> published[-1]  # all gates pass before any mart is published
    report_marketing_marts(built, list(gates.values()), published)


marketing_marts()
