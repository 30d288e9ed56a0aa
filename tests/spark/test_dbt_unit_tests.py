"""The dbt project's unit tests (hand-written given/expect rows for RFM, lifecycle stages, the identity guards,
attribution, holdout lift, brushing signals, the price audit…): the production builds leave them out."""

from __future__ import annotations

import yaml

from orchestration.dbt import PROJECT_DIR, run_dbt


def declared_unit_tests() -> set[str]:
    """Every unit test the project's YAML declares, read from the files, not from dbt."""
    return {test["name"] for path in (PROJECT_DIR / "models").rglob("*.yml")
            for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", [])}


def test_every_unit_test_of_the_dbt_project_runs_and_passes(marketing_marts, operations_marts):
    """Their models' parents exist once the session's mart groups are built (a unit test reads their columns)."""
    results = run_dbt("test", "--select", "test_type:unit")
    assert {r.name for r in results} == declared_unit_tests()
    assert [r for r in results if r.status != "pass"] == []
