"""The README's main job as a user runs it: days 1–2, the same again (nothing new), then days 3–4 of the same
shop; a rebuild of all four days from landing into an empty lake; the tables through the SQL endpoint."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

from ecomgen import bad_records, generated_keys
from ecomgen.truth import listed
from ecomlake.contracts import all_sources
from orchestration.cli import MAIN_DAGS

pytestmark = pytest.mark.e2e
FIRST_DAY, LAST_DAY, SCALE = "2026-09-01", "2026-09-04", "0.003"
DEMO = [sys.executable, "-m", "ecomgen.cli", "demo", "--scale", SCALE, "--days", "2", "--first-day", FIRST_DAY]
DAYS_1_2, DAYS_3_4 = [*DEMO, "--start", FIRST_DAY], [*DEMO, "--start", "2026-09-03"]
REBUILD = [sys.executable, "-m", "orchestration.cli", "run", "--logical-date", LAST_DAY]


def main_job(platform_env, command: list[str]) -> tuple[str, dict]:
    done = subprocess.run(command, env={**os.environ, **platform_env}, capture_output=True, text=True,
                          timeout=2400)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    reports = Path(platform_env["ECOMLAKE_VAR"]) / "reports"
    tables, steps = {}, {}
    for dag_id in MAIN_DAGS:
        report = json.loads((reports / f"{dag_id}.json").read_text())
        tables.update(report["tables"])
        steps[dag_id] = report["steps"]
    return done.stdout, {"tables": tables, "steps": steps}


def table_states(spark, report: dict) -> dict[str, tuple[int, int]]:
    """Each Delta table's latest version and row count (views left out), read here, not from the reports."""
    tables = sorted(t for t, info in report["tables"].items() if info["location"] != "(view)")
    return {t: (spark.sql(f"DESCRIBE HISTORY {t} LIMIT 1").first()["version"], spark.table(t).count())
            for t in tables}


def keys(lake: Path) -> dict[tuple[str, str], str]:
    """identifier → customer_key of a lake's published identity map, read by delta-rs, not Spark."""
    rows = DeltaTable(str(lake / "silver" / "identity_map")).to_pyarrow_table(
        columns=["identifier_type", "identifier", "customer_key"]).to_pylist()
    return {(r["identifier_type"], r["identifier"]): r["customer_key"] for r in rows if r["customer_key"]}


def customers(key_of: dict[tuple[str, str], str]) -> dict[str, frozenset]:
    found: dict[str, set] = {}
    for identifier, key in key_of.items():
        found.setdefault(key, set()).add(identifier)
    return {key: frozenset(members) for key, members in found.items()}


@pytest.fixture(scope="module")
def runs(metastore, platform_env, spark, cfg):
    first = main_job(platform_env, DAYS_1_2)
    after_first, keys_day_2 = table_states(spark, first[1]), keys(Path(cfg.lake_root))
    second = main_job(platform_env, DAYS_1_2)
    after_second = table_states(spark, first[1])
    later = main_job(platform_env, DAYS_3_4)
    return {"first": first, "second": second, "later": later, "after_first": after_first,
            "after_second": after_second, "keys_day_2": keys_day_2}


@pytest.fixture(scope="module")
def rebuilt(runs, second_platform_env, cfg) -> Path:
    """Disaster recovery: the lake and its catalog lost, landing kept; the main DAGs rebuild every layer."""
    var = Path(second_platform_env["ECOMLAKE_VAR"])
    shutil.copytree(cfg.landing_root, var / "landing", ignore=shutil.ignore_patterns("_arrivals"))
    main_job(second_platform_env, REBUILD)
    return var / "lake"


def test_main_job_ingests_every_source_and_its_quarantine_matches_the_truth(runs, spark, cfg):
    stdout, report = runs["later"]
    assert "scored against the generator's ground truth" in stdout
    for source in all_sources():
        truth = {(b["record_hash"], b["reason"]) for b in bad_records(cfg, source)}
        held = {(r._record_hash, r.reason) for r in spark.table(f"quarantine.{source}").collect()}
        assert held == truth, source
        ingest = report["steps"][f"ingest_{source}"]["ingest"]
        assert ingest["files"] > 0 and ingest["rows_to_bronze"] > 0, source
        assert report["tables"][f"bronze.{source}"]["rows"] > 0
    assert "marts.orders_daily" in stdout
    assert report["steps"]["orders_marts"]["mart_check"]["expectations"]["passed"] > 0


def test_second_run_leaves_every_table_as_it_was(runs):
    """Nothing new: no source claims a file, and no table (bronze to marts) gets a commit; the identity and
    mart builds find their inputs and code as they were at their last publish and skip."""
    second, after_first = runs["second"][1], runs["after_first"]
    assert all(second["steps"][f"ingest_{s}"]["ingest"]["files"] == 0 for s in all_sources())
    assert any(t.startswith("marts.") for t in after_first) and "silver.identity_map" in after_first
    assert runs["after_second"] == after_first


def test_days_3_and_4_keep_every_customer_key_but_the_changes_the_audit_explains(runs, cfg, spark):
    before, after = runs["keys_day_2"], keys(Path(cfg.lake_root))
    changed = {(key, after.get(identifier)) for identifier, key in before.items() if after.get(identifier) != key}
    print(f"days 3–4: {len(changed)} key changes among {len(customers(before))} customers of day 2")
    assert before and len(changed) <= 0.01 * len(customers(before))
    audit = spark.table("silver.identity_key_changes").where(f"changed_on > '{FIRST_DAY}'").collect()
    explained = {(old, new) for row in audit for old in row.keys_before for new in row.keys_after or [None]}
    assert changed <= explained, f"unexplained key changes: {sorted(changed - explained, key=str)[:5]}"


def test_a_rebuild_from_landing_into_an_empty_lake_gives_the_customers_their_keys(runs, rebuilt, cfg):
    day_by_day, rebuild = customers(keys(Path(cfg.lake_root))), customers(keys(rebuilt))
    same = sum(rebuild.get(key) == members for key, members in day_by_day.items())
    print(f"rebuild: {same} of {len(day_by_day)} customers with the same key and identifiers")
    assert len(day_by_day) > 1000 and same >= 0.999 * len(day_by_day)


def test_beeline_and_pyhive_count_every_generated_order(runs, sql_endpoint, cfg):
    import pyspark
    from pyhive import hive

    from ecomlake.services.sql_access import local_password_file, sql_password

    expected = len(generated_keys(cfg, "orders") - listed(cfg, "orders", "deleted_orders"))  # the OMS deleted these
    query = "select sum(orders) from marts.orders_daily"
    analyst, password = cfg.sql_endpoint.analyst_user, sql_password(cfg, cfg.sql_endpoint.analyst_user)
    beeline = Path(pyspark.__file__).parent / "bin" / "beeline"
    url = f"jdbc:hive2://{cfg.sql_endpoint.host}:{cfg.sql_endpoint.port}"
    out = subprocess.run([str(beeline), "-u", url, "-n", analyst, "-w", str(local_password_file(cfg, analyst)),
                          "--silent=true", "--outputformat=csv2", "-e", query],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    assert out.strip().splitlines()[-1] == str(expected)

    with hive.connect(host=cfg.sql_endpoint.host, port=cfg.sql_endpoint.port, username=analyst,
                      password=password, auth="CUSTOM") as conn:
        cursor = conn.cursor()
        cursor.execute(query)
        assert cursor.fetchone()[0] == expected
