"""Under `airflow standalone`: a delivery alone starts ingestion, then the marts; a bad one stops the chain."""

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orchestration.airflow_api import dag_runs_since
from orchestration.cli import wait_for_chain

pytestmark = pytest.mark.e2e
MART = "marts.orders_daily"


@pytest.fixture(scope="module")
def airflow(metastore, cfg, platform_env):
    from ecomlake.services.local import airflow_service

    service = airflow_service(cfg)
    service.start()
    yield service
    service.stop()


def deliver(platform_env, day: str, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "ecomgen.cli", "deliver", "--day", day, "--scale", "0.003", *extra]
    return subprocess.run(command, env={**os.environ, **platform_env}, capture_output=True, text=True,
                          timeout=1500)


def test_a_delivery_alone_updates_the_mart(airflow, cfg, platform_env, spark):
    started = datetime.now(UTC)
    done = deliver(platform_env, "2026-06-01", "--wait", "--timeout", "1200")
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "mart updated in" in done.stdout
    print(done.stdout)  # the measured latency, for the log

    ingest_runs = dag_runs_since(cfg, "ingest_orders", started)
    marts_runs = dag_runs_since(cfg, "orders_marts", started)
    assert [r["state"] for r in ingest_runs][:1] == ["success"]
    assert "success" in [r["state"] for r in marts_runs]
    assert ingest_runs[0]["run_type"] == "asset_triggered"
    days = {r.order_date.isoformat() for r in spark.table(MART).select("order_date").distinct().collect()}
    assert "2026-06-01" in days


def test_a_broken_delivery_stops_at_ingestion_and_alerts(airflow, cfg, platform_env, spark):
    mart_before = sorted(spark.table(MART).collect())
    folder = Path(cfg.landing_root) / "orders" / "2026-06-09"
    folder.mkdir(parents=True)
    (folder / "orders-2026-06-09-part-0001.jsonl").write_text("{not json\n" * 20)
    (folder / "_READY").write_text("{}")
    started = datetime.now(UTC)
    Path(cfg.events["inbox"], "orders").touch()  # the arrival event, as a delivery makes it

    try:
        outcome = wait_for_chain(cfg, started, 900)
        assert "ingest_orders" in outcome and "failed" in outcome and "not started" in outcome
        failed = dag_runs_since(cfg, "ingest_orders", started)[0]
        assert failed["state"] == "failed"
        assert dag_runs_since(cfg, "orders_marts", started) == []
        alerts = [json.loads(line) for line in (cfg.var_dir / "alerts" / "alerts.jsonl").read_text().splitlines()]
        assert any(a["dag_id"] == "ingest_orders" and "expect_column_values_to_be_null" in (a["error"] or "")
                   for a in alerts)
        assert sorted(spark.table(MART).collect()) == mart_before
    finally:
        shutil.rmtree(folder)
