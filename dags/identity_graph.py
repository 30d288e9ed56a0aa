"""
### Identity graph (OneID): silver → `silver.identity_edges`, `silver.identity_map` (write-audit-publish)

Runs whenever one of the silver tables that carry identifiers is updated
({sources}). Builds the graph's edges from their current rows, finds its hubs
(identifiers linked to more accounts than one person holds: pick-up stations,
the hotline, brushing rings), resolves it into one `customer_key` per person,
gates the map with Great Expectations (every identifier in exactly one
customer, no customer glued out of hundreds) and publishes edges and map.
The rules: `spark_jobs/identity/rules.yaml`.

**When this fails**: a `QualityGateError` on `silver.identity_map` names the
expectation; a too-large customer means a hub slipped through: look at its
identifiers in `silver_candidate.identity_map` and at the hub bound in the
build task's log. The published map is untouched either way.
"""

from __future__ import annotations

from airflow.sdk import AssetAny, dag, task

from orchestration.assets import table_asset
from orchestration.dag_settings import dag_settings
from spark_jobs.identity.rules import load_rules

EDGES, MAP = "silver.identity_edges", "silver.identity_map"
SOURCES = sorted({link.source for link in load_rules().links})


@dag(
    dag_id="identity_graph",
    schedule=AssetAny(*[table_asset(s) for s in SOURCES]),  # any one of them updated
    tags=["identity", "oneid", "silver"],
    doc_md=__doc__.format(sources=", ".join(f"`{s}`" for s in SOURCES)),
    **dag_settings(),
)
def identity_graph():
    @task
    def build_identity() -> dict:
        """Edges and resolution into their candidates (skipped until a source that carries identifiers lands)."""
        from orchestration.dag_settings import on_engine
        from orchestration.identity import build_candidate

        return on_engine(build_candidate, only_if_changed=True)

    @task
    def gate_identity(built: dict) -> dict:
        """Great Expectations on the candidate map."""
        from orchestration.dag_settings import on_engine
        from orchestration.identity import gate_candidate

        return on_engine(gate_candidate, built)

    @task(outlets=[table_asset(EDGES), table_asset(MAP)])
    def publish_identity(built: dict, checked: dict) -> dict:
        """Publish edges and map (once each), then report the run."""
        from orchestration.dag_settings import on_engine
        from orchestration.identity import publish
        from orchestration.reports import write_report

        published = on_engine(publish, built)
        on_engine(write_report, "identity_graph", (EDGES, MAP),
                  {"identity": built, "identity_check": checked, "publish": published})
        return published

    built = build_identity()
    publish_identity(built, gate_identity(built))


identity_graph()
