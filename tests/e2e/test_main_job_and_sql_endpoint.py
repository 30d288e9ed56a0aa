"""The README's main job as a user runs it, then the tables through the SQL endpoint (beeline, PyHive)."""

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ecomgen import bad_records, generated_keys
from ecomgen.lake import read_table
from ecomgen.truth import listed
from ecomlake.contracts import all_sources
from orchestration.cli import MAIN_DAGS
from orchestration.dbt import mart_models

pytestmark = pytest.mark.e2e
ATTRIBUTION_MODELS = ("first_touch", "last_touch", "last_non_direct", "linear", "time_decay", "position_based",
                      "shapley", "markov")
RUN = [sys.executable, "-m", "ecomgen.cli", "demo", "--start", "2026-09-01", "--days", "1", "--scale", "0.003"]


def main_job(platform_env) -> tuple[str, dict]:
    done = subprocess.run(RUN, env={**os.environ, **platform_env}, capture_output=True, text=True, timeout=2400)
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


@pytest.fixture(scope="module")
def runs(metastore, platform_env, spark):
    first = main_job(platform_env)
    after_first = table_states(spark, first[1])
    second = main_job(platform_env)
    return first, second, after_first, table_states(spark, first[1])


def test_main_job_ingests_every_source_and_its_quarantine_matches_the_truth(runs, spark, cfg):
    (stdout, report), *_ = runs
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


def test_the_summary_scores_every_attribution_model_and_the_holdouts_against_the_truth(runs):
    """Issue 10: the main job prints each attribution model's Spearman and share error against the campaigns' true
    effects, and the coupon holdouts' coverage; the marketing marts it scores were published by their DAG."""
    (stdout, report), *_ = runs
    for model in ATTRIBUTION_MODELS:
        assert re.search(rf"^  {model} +-?[0-9.]+ +[0-9.]+ +[0-9.]+$", stdout, re.M), model
    assert re.search(r"^  \d+ of \d+ templates' 95 % intervals contain the true lift", stdout, re.M)
    published = report["steps"]["marketing_marts"]["publish"]
    assert set(published) == set(mart_models("marketing"))


def test_second_run_leaves_every_table_as_it_was(runs):
    """Nothing new: no source claims a file, and no table (bronze to marts) gets a commit; the identity and
    mart builds find their inputs and code as they were at their last publish and skip."""
    _, (_, second), after_first, after_second = runs
    assert all(second["steps"][f"ingest_{s}"]["ingest"]["files"] == 0 for s in all_sources())
    assert any(t.startswith("marts.") for t in after_first) and "silver.identity_map" in after_first
    assert after_second == after_first


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


def sums_by_day(cfg, mart: str, day: str, figure: str, only: tuple[str, str] | None = None) -> dict[str, float]:
    """Per day, the sum of a published mart's column (of the rows whose ``only`` column has that value), read
    from the lake with delta-rs, not through the endpoint."""
    kept = read_table(cfg, "marts", mart, [day, figure, *only[:1]] if only else [day, figure])
    totals: dict[str, float] = {}
    for when, value, *other in zip(*kept.values(), strict=True):
        if not only or other[0] == only[1]:
            totals[when.isoformat()] = totals.get(when.isoformat(), 0) + (value or 0)
    return totals


def test_the_board_answers_through_beeline_and_pyhive_with_the_figures_of_the_marts_it_summarises(runs, sql_endpoint,
                                                                                                   cfg):
    """Issue 11: the three board views are the BI entry point; what the endpoint returns for each day equals
    the published marts they summarise, summed here from the lake."""
    import pyspark
    from pyhive import hive

    from ecomlake.services.sql_access import local_password_file, sql_password

    expected = {
        "board_user_behaviour_daily.visitors": sums_by_day(cfg, "gmv_tree_daily", "activity_date", "visitors"),
        "board_user_behaviour_daily.tickets": sums_by_day(cfg, "service_daily", "opened_date", "tickets"),
        "board_product_performance_daily.gmv_fen": sums_by_day(cfg, "product_performance_daily", "activity_date",
                                                               "gmv_fen"),
        "board_marketing_effect_daily.spend_fen": sums_by_day(cfg, "campaign_performance_daily", "activity_date",
                                                              "spend_fen", only=("attribution_model", "shapley")),
    }
    analyst, password = cfg.sql_endpoint.analyst_user, sql_password(cfg, cfg.sql_endpoint.analyst_user)
    found = {}
    with hive.connect(host=cfg.sql_endpoint.host, port=cfg.sql_endpoint.port, username=analyst,
                      password=password, auth="CUSTOM") as conn:
        cursor = conn.cursor()
        for figure in expected:
            board, column = figure.split(".")
            cursor.execute(f"select cast(activity_date as string), {column} from marts.{board} "
                           f"where {column} is not null")
            found[figure] = {day: value for day, value in cursor.fetchall()}
    for figure, days in expected.items():
        assert found[figure].keys() == days.keys() and days, figure
        assert all(math.isclose(found[figure][d], days[d], rel_tol=1e-9) for d in days), figure

    beeline = Path(pyspark.__file__).parent / "bin" / "beeline"
    out = subprocess.run([str(beeline), "-u", f"jdbc:hive2://{cfg.sql_endpoint.host}:{cfg.sql_endpoint.port}",
                          "-n", analyst, "-w", str(local_password_file(cfg, analyst)), "--silent=true",
                          "--outputformat=csv2", "-e",
                          "select cast(activity_date as string), gmv_fen from marts.board_product_performance_daily "
                          "where gmv_fen is not null order by 1"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    rows = dict(line.split(",") for line in out.strip().splitlines()[1:])
    gmv = expected["board_product_performance_daily.gmv_fen"]
    assert rows.keys() == gmv.keys() and all(math.isclose(float(rows[d]), gmv[d], rel_tol=1e-9) for d in gmv)
