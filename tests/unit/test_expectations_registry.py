"""The rule registry fails loudly: no source, rule, rule module or mart suite can drop out unnoticed."""

import importlib.util
from pathlib import Path

import pytest

from ecomlake.contracts import CONTRACTS_DIR, load_contract
from expectations import ad_spend, inventory, orders
from expectations.contract_rules import bronze_suite, silver_suite
from expectations.registry import DATASETS, MARTS, RegistryError, Rules, mart_suite, rule_modules, rules, validate

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted(p.stem for p in CONTRACTS_DIR.glob("*.yaml"))
RULE_MODULES = {"ad_spend", "board", "customers", "identity", "inventory", "marketing", "operations", "orders",
                "payments", "service"}


def module_from(tmp_path: Path, name: str, code: str):
    """A real rule module written to disk and imported, as a colleague would add one."""
    path = tmp_path / f"{name}.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location(f"expectations.{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_source_with_a_contract_is_registered():
    assert sorted(DATASETS) == SOURCES
    assert rule_modules() == RULE_MODULES


def test_a_source_missing_from_the_registry_stops_the_import():
    without_users = {s: r for s, r in DATASETS.items() if s != "users"}
    with pytest.raises(RegistryError, match="source 'users' has a contract but no registry entry"):
        validate(without_users, MARTS, SOURCES, RULE_MODULES)


def test_a_registered_source_without_a_contract_is_an_error():
    with pytest.raises(RegistryError, match="'returns' is registered but has no contract"):
        validate({**DATASETS, "returns": Rules()}, MARTS, SOURCES, RULE_MODULES)


def test_a_declared_rule_the_module_lacks_is_an_error():
    with pytest.raises(RegistryError, match=r"inventory: expectations.inventory has no function bronze_rules\(\)"):
        validate({**DATASETS, "inventory": Rules(inventory, ("silver_rules", "bronze_rules"))}, MARTS, SOURCES,
                 RULE_MODULES)


def test_an_unknown_rule_kind_is_an_error():
    with pytest.raises(RegistryError, match="ad_spend: 'silver_rule' is not a rule kind"):
        validate({**DATASETS, "ad_spend": Rules(ad_spend, ("silver_rule",))}, MARTS, SOURCES, RULE_MODULES)
    with pytest.raises(RegistryError, match="'gold_rules' is not a rule kind"):
        rules("orders", "gold_rules")


def test_a_misspelt_rule_function_is_an_error_not_a_skipped_rule(tmp_path):
    misspelt = module_from(tmp_path, "clickstream", "def silver_rule():\n    return []\n")
    with pytest.raises(RegistryError, match=r"expectations.clickstream.silver_rule\(\) is neither a registered rule"):
        validate({**DATASETS, "clickstream": Rules(misspelt, ())}, MARTS, SOURCES, RULE_MODULES | {"clickstream"})
    with pytest.raises(RegistryError, match=r"expectations.clickstream has no function silver_rules\(\)"):
        validate({**DATASETS, "clickstream": Rules(misspelt, ("silver_rules",))}, MARTS, SOURCES,
                 RULE_MODULES | {"clickstream"})


def test_a_rule_function_left_out_of_its_entry_is_an_error():
    with pytest.raises(RegistryError, match=r"expectations.orders.bronze_rules\(\) is neither a registered rule"):
        validate({**DATASETS, "orders": Rules(orders, ("silver_rules",))}, MARTS, SOURCES, RULE_MODULES)


def test_a_rule_module_no_source_uses_is_an_error():
    with pytest.raises(RegistryError, match="expectations.clickstream is registered for no source"):
        validate(DATASETS, MARTS, SOURCES, RULE_MODULES | {"clickstream"})


def test_a_mart_suite_left_out_of_the_registry_is_an_error():
    with pytest.raises(RegistryError, match=r"expectations.orders.orders_daily_suite\(\) is neither"):
        validate(DATASETS, {}, SOURCES, RULE_MODULES)


def test_an_unknown_mart_has_no_suite_rather_than_an_empty_one():
    with pytest.raises(RegistryError, match=r"no expectation suite registered for mart 'marts.campaign_roi'.*"
                                            r"marts.orders_daily"):
        mart_suite("marts.campaign_roi")


def test_every_dbt_mart_has_a_suite():
    models = {f"marts.{p.stem}" for p in (REPO / "dbt_project" / "models" / "marts").rglob("*.sql")}
    assert models == {t for t in MARTS if t.startswith("marts.")}  # and the identity map, built by Spark
    gmv = [e for e in mart_suite("marts.orders_daily") if getattr(e, "column", None) == "gmv_fen"]
    assert [(type(e).__name__, e.min_value) for e in gmv] == [("ExpectColumnValuesToBeBetween", 0)]


def test_the_suites_carry_the_registered_business_rules():
    bronze = [e for e in bronze_suite(load_contract("orders")) if type(e).__name__.startswith("ExpectColumnPair")]
    assert [(e.column_A, e.column_B) for e in bronze] == [("total_fen", "discount_fen")]
    for source, pair in (("ad_spend", ("impressions", "clicks")), ("inventory", ("on_hand", "reserved"))):
        silver = [e for e in silver_suite(load_contract(source)) if type(e).__name__.startswith("ExpectColumnPair")]
        assert [(e.column_A, e.column_B) for e in silver] == [pair]
    service = [(e.column_A, e.column_B) for e in silver_suite(load_contract("service"))
               if type(e).__name__.startswith("ExpectColumnPair")]
    assert service == [("first_response_at", "opened_at"), ("resolved_at", "opened_at")]
    assert rules("payments", "silver_rules") == [] and rules("users", "bronze_rules") == []
