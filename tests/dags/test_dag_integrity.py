"""Every DAG imports fast, with no error and the metadata the on-call engineer relies on."""

import time
from pathlib import Path

import pytest

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag(platform_env):
    from airflow.dag_processing.dagbag import DagBag

    started = time.monotonic()
    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    return bag, time.monotonic() - started


def scheduled_on(dag) -> list:
    """The assets of a DAG's ``schedule=[...]`` (an all-of condition)."""
    return list(dag.timetable.asset_condition.objects)


def test_every_dag_imports_without_error(dagbag):
    bag, _ = dagbag
    assert bag.import_errors == {}
    assert bag.dag_ids, "no DAG found"


def test_dag_files_parse_in_under_two_seconds(dagbag):
    _, seconds = dagbag
    assert seconds < 2, f"parsing dags/ took {seconds:.2f}s: something heavy runs at import"


def test_no_heavy_module_is_imported_at_parse_time(platform_env):
    import subprocess
    import sys

    probe = ("import sys; from airflow.dag_processing.dagbag import DagBag; "
             f"DagBag(dag_folder={str(DAGS_FOLDER)!r}); "
             "print(sorted(m for m in ('pyspark', 'great_expectations', 'dbt.cli.main', 'delta') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_every_dag_has_owner_tags_retries_and_docs(dagbag):
    bag, _ = dagbag
    for dag_id, dag in bag.dags.items():
        assert dag.tags, dag_id
        assert dag.doc_md and "When this fails" in dag.doc_md, dag_id
        for task in dag.tasks:
            assert task.owner != "airflow", f"{dag_id}.{task.task_id} has no owner"
            assert task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"


def test_asset_wiring_snapshot(dagbag):
    """A change to which task writes which table, or what starts a DAG, shows up here in review."""
    bag, _ = dagbag
    wiring = {
        f"{dag_id}.{task.task_id}": sorted(asset.name for asset in task.outlets)
        for dag_id, dag in bag.dags.items() for task in dag.tasks if task.outlets
    }
    from ecomlake.contracts import all_sources, load_contract

    expected = {"orders_marts.stg_orders__orders": ["staging.stg_orders__orders"],
                "orders_marts.publish_orders_daily": ["marts.orders_daily"],
                "identity_graph.publish_identity": ["silver.identity_edges", "silver.identity_map"],
                "customer_marts.publish_audiences": ["marts.audiences"],
                "customer_marts.publish_customer_attribute_coverage": ["marts.customer_attribute_coverage"],
                "customer_marts.publish_customer_identifiers": ["marts.customer_identifiers"],
                "customer_marts.publish_customers": ["marts.customers"],
                "marketing_marts.publish_attribution_by_campaign": ["marts.attribution_by_campaign"],
                "marketing_marts.publish_campaign_performance_daily": ["marts.campaign_performance_daily"],
                "marketing_marts.publish_gmv_tree_daily": ["marts.gmv_tree_daily"],
                "marketing_marts.publish_coupon_performance": ["marts.coupon_performance"],
                "marketing_marts.publish_customer_cohorts": ["marts.customer_cohorts"],
                "marketing_marts.publish_ltv_by_acquisition_channel": ["marts.ltv_by_acquisition_channel"],
                "marketing_marts.publish_order_attribution": ["marts.order_attribution"],
                "operations_marts.publish_deliveries": ["marts.deliveries"],
                "board_marts.publish_board_marketing_effect_daily": ["marts.board_marketing_effect_daily"],
                "board_marts.publish_board_product_performance_daily": ["marts.board_product_performance_daily"],
                "board_marts.publish_board_user_behaviour_daily": ["marts.board_user_behaviour_daily"],
                "operations_marts.publish_fulfilment_daily": ["marts.fulfilment_daily"],
                "operations_marts.publish_inventory_daily": ["marts.inventory_daily"],
                "operations_marts.publish_inventory_turnover_daily": ["marts.inventory_turnover_daily"],
                "operations_marts.publish_price_discrimination_evidence": ["marts.price_discrimination_evidence"],
                "operations_marts.publish_price_discrimination_findings": ["marts.price_discrimination_findings"],
                "operations_marts.publish_product_groups_daily": ["marts.product_groups_daily"],
                "operations_marts.publish_product_performance_daily": ["marts.product_performance_daily"],
                "operations_marts.publish_service_daily": ["marts.service_daily"],
                "operations_marts.publish_service_nps_by_segment": ["marts.service_nps_by_segment"],
                "operations_marts.publish_suspicious_orders": ["marts.suspicious_orders"],
                "erasure.erase_closed_accounts": ["silver.clickstream_events", "silver.coupon_events",
                                                  "silver.logistics_events", "silver.orders", "silver.payments",
                                                  "silver.service_tickets", "silver.users"]}
    for source in all_sources():
        expected[f"ingest_{source}.load_bronze"] = [f"bronze.{source}", f"quarantine.{source}"]
        expected[f"ingest_{source}.build_silver"] = [load_contract(source).silver_table]
    assert wiring == expected
    assert wiring["ingest_clickstream.build_silver"] == ["silver.clickstream_events"]  # names are readable
    triggers = {dag_id: sorted(a.name for a in scheduled_on(dag)) for dag_id, dag in bag.dags.items()}
    assert triggers == {"orders_marts": ["silver.orders"],
                        "identity_graph": ["silver.clickstream_events", "silver.logistics_events", "silver.orders",
                                           "silver.service_tickets", "silver.users"],
                        "customer_marts": ["silver.coupon_events", "silver.identity_map", "silver.products"],
                        "marketing_marts": ["silver.ad_spend", "silver.identity_map"],
                        "operations_marts": ["silver.clickstream_events", "silver.identity_map",
                                             "silver.inventory", "silver.logistics_events", "silver.orders",
                                             "silver.products", "silver.service_tickets", "silver.users"],
                        "board_marts": ["marts.campaign_performance_daily", "marts.deliveries",
                                        "marts.gmv_tree_daily", "marts.inventory_daily",
                                        "marts.inventory_turnover_daily", "marts.product_groups_daily",
                                        "marts.product_performance_daily", "marts.service_daily"],
                        "erasure": ["silver.users"],
                        **{f"ingest_{source}": [f"landing.{source}"] for source in all_sources()}}


def test_landing_assets_are_watched_for_arrivals(dagbag):
    bag, _ = dagbag
    for source in ("orders", "clickstream"):
        [landing] = scheduled_on(bag.dags[f"ingest_{source}"])
        [watcher] = landing.watchers
        assert type(watcher.trigger).__name__ == "DirectoryFileDeleteTrigger"
        assert watcher.trigger.filename == source


@pytest.mark.parametrize(("group", "dag_id", "sibling"), [("marketing", "marketing_marts", "order_attribution"),
                                                         ("customers", "customer_marts", "customers"),
                                                         ("operations", "operations_marts", "deliveries"),
                                                         ("board", "board_marts", "board_marketing_effect_daily")])
def test_a_new_model_under_marts_is_a_task_of_its_own_with_no_dag_edit(platform_env, tmp_path, monkeypatch, group,
                                                                        dag_id, sibling):
    import shutil

    from airflow.dag_processing.dagbag import DagBag

    import orchestration.dbt

    project = tmp_path / "dbt_project"
    shutil.copytree(orchestration.dbt.PROJECT_DIR / "models", project / "models")
    (project / "models" / "marts" / group / "campaign_reach.sql").write_text("select 1 as reach\n")
    monkeypatch.setattr(orchestration.dbt, "PROJECT_DIR", project)
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(DAGS_FOLDER / f"{dag_id}.py", dags)
    dag = DagBag(dag_folder=str(dags)).dags[dag_id]
    assert dag.get_task("gate_campaign_reach").upstream_task_ids == {f"build_{dag_id}"}
    publish = dag.get_task("publish_campaign_reach")
    assert [asset.name for asset in publish.outlets] == ["marts.campaign_reach"]
    assert "gate_campaign_reach" in dag.get_task(f"publish_{sibling}").upstream_task_ids
