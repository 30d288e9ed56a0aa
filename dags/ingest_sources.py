"""
### Ingest `{source}` ({system}): landing → bronze (+ quarantine) → silver

{delivery}.

Starts when a delivery arrives (asset `landing.{source}`, watched by an
AssetWatcher). The run first **claims** the ready files no run has claimed yet
(recorded under its run id in `ops.run_claims`), one batch per delivery date,
then loads exactly those (records that break the contract go to
`quarantine.{source}` with a reason), and writes, audits and publishes them to
`{silver}` in one commit (write-audit-publish). Both hops are gated by Great
Expectations suites built from the contract (`ecomlake/contracts/{source}.yaml`)
plus the dataset's business rules. Clearing a run redoes exactly its own
deliveries. Backfill a date range with `ecomlake backfill --sources {source}
--start D1 --end D2` (or trigger this DAG with
`{{"replay_from": "D1", "replay_to": "D2"}}`).

**When this fails**: the failed task's log says why. `QualityGateError` names
the table, the expectation and sample values (Data Docs: `var/quality/data_docs`).
A failed landing or bronze gate wrote nothing for that delivery, which stays
claimed by this run: fix or re-deliver it and clear the task. A failed silver
audit published nothing (silver is as it was) and left the batches pending. An alert is in
`var/alerts/alerts.jsonl` (or your webhook).
"""
# One DAG per source, all from this one definition: the contracts decide what differs.

from __future__ import annotations

from airflow.sdk import Param, dag, task

from ecomlake.contracts import all_sources, load_contract
from orchestration.assets import landing_asset, table_asset
from orchestration.dag_settings import dag_settings


def ingest_dag(source: str):
    contract = load_contract(source)

    @dag(
        dag_id=f"ingest_{source}",
        schedule=[landing_asset(source)],
        tags=[source, "ingestion", "bronze", "silver"],
        doc_md=__doc__.format(source=source, system=contract.system, delivery=contract.delivery.capitalize(),
                              silver=contract.silver_table),
        **dag_settings(),
        params={
            "replay_from": Param(None, type=["null", "string"], format="date",
                                 description="Backfill: re-ingest deliveries from this date (YYYY-MM-DD)..."),
            "replay_to": Param(None, type=["null", "string"], format="date", description="...to this date."),
        },
    )
    def ingest():
        @task(outlets=[table_asset(f"bronze.{source}"), table_asset(f"quarantine.{source}")])
        def load_bronze(params: dict, run_id: str) -> dict:
            """Claim this run's deliveries (or the ones it claimed before, when cleared) and load them."""
            from orchestration.dag_settings import on_engine
            from orchestration.pipeline import ingest, replayed

            deliveries = replayed(source, params.get("replay_from"), params.get("replay_to"))
            return on_engine(ingest, source, run_id, deliveries)

        @task(outlets=[table_asset(contract.silver_table)])
        def build_silver(bronze: dict) -> dict:
            """Write, audit and publish this run's batches to silver, then report the run."""
            from orchestration.dag_settings import on_engine
            from orchestration.pipeline import build_silver
            from orchestration.reports import write_report

            silver = on_engine(build_silver, source, bronze["batches"])
            on_engine(write_report, f"ingest_{source}",
                      (f"bronze.{source}", f"quarantine.{source}", contract.silver_table),
                      {"ingest": bronze, "silver": silver})
            return silver

        build_silver(load_bronze())

    return ingest()


for _source in all_sources():
    ingest_dag(_source)
