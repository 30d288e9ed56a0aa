"""The staging models' data tests (keys, accepted values): the mart builds leave them out, since they restate
the silver gates on the same rows; they run here, once, over the session lake's staging views."""

from __future__ import annotations

import yaml

from orchestration.dbt import PROJECT_DIR, run_dbt
from orchestration.marts import STAGING_TESTS


def declared_staging_tests() -> int:
    """How many data tests the staging YAML declares, on models and on their columns, read from the files."""
    count = 0
    for path in (PROJECT_DIR / "models" / "staging").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            count += len(model.get("data_tests", []))
            count += sum(len(column.get("data_tests", [])) for column in model.get("columns", []))
    return count


def test_every_staging_data_test_runs_once_and_passes(marketing_marts, operations_marts):
    """The two groups' builds created every staging view (between them they read every source)."""
    results = run_dbt("test", "--select", STAGING_TESTS)
    assert len(results) == declared_staging_tests() > 0
    assert [(r.name, r.message) for r in results if r.status != "pass"] == []
