"""Runs keyed by their deliveries: a cleared run redoes exactly its own, and sources load side by side.

(The silver build killed before its publish, read by beeline: tests/e2e/test_write_audit_publish.py.)"""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from ecomgen import generate, generated_keys, write_delivery
from ecomgen.model import Day
from orchestration import pipeline

START, SEED, SCALE = date(2026, 5, 1), 5, 0.002


def commits(cfg, table: str) -> int:
    layer, name = table.split(".")
    return len(list(Path(cfg.table_location(layer, name)).glob("_delta_log/*.json")))


def ingest_job(platform_env, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "orchestration.ingest_job", *args],
                            env={**os.environ, **platform_env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


@pytest.fixture(scope="module")
def lake(spark, cfg):
    """Two days of three sources, loaded."""
    generate(cfg, ["orders", "payments", "coupons"], START, 2, SEED, SCALE)
    return {s: pipeline.ingest_and_build(s, run_id=f"first-{s}") for s in ("orders", "payments", "coupons")}


def test_clearing_a_run_reloads_exactly_its_deliveries_and_changes_nothing(lake, spark, cfg, content_hash):
    write_delivery(cfg, "orders", Day(date(2026, 5, 3), SEED, SCALE, START))
    first = pipeline.ingest_and_build("orders", run_id="scheduled__2026-05-03")
    assert [b.rsplit("/", 1)[0] for b in first["ingest"]["batches"]] == ["orders/2026-05-03"]
    tables = ("bronze.orders", "quarantine.orders", "silver.orders")
    before = {t: content_hash(t) for t in tables}
    versions = {t: commits(cfg, t) for t in tables}

    cleared = pipeline.ingest_and_build("orders", run_id="scheduled__2026-05-03")
    assert cleared["ingest"]["batches"] == first["ingest"]["batches"]
    assert cleared["ingest"]["files"] == first["ingest"]["files"] > 0
    assert {t: content_hash(t) for t in tables} == before
    assert commits(cfg, "silver.orders") == versions["silver.orders"], "silver published a second time"
    assert commits(cfg, "bronze.orders") == versions["bronze.orders"] + 1  # it did reload its files

    assert pipeline.ingest("orders", run_id="another-run")["files"] == 0  # nothing of it is up for grabs


def test_two_sources_ingest_side_by_side_without_a_conflict(lake, spark, cfg, platform_env):
    day = Day(date(2026, 5, 4), SEED, SCALE, START)
    for source in ("payments", "coupons"):
        write_delivery(cfg, source, day)
    jobs = {s: ingest_job(platform_env, s, "--run-id", f"together-{s}") for s in ("payments", "coupons")}
    outputs = {s: job.communicate(timeout=900)[0] for s, job in jobs.items()}
    for source, job in jobs.items():
        assert job.returncode == 0, outputs[source][-3000:]
        assert "Concurrent" not in outputs[source], outputs[source][-3000:]
    for source in ("payments", "coupons"):
        files = {r.source_file for r in spark.table("ops.ingested_files").where(F.col("source") == source)
                 .where(F.col("source_file").contains("2026-05-04")).collect()}
        assert files and all(f.startswith(f"{source}/2026-05-04/") for f in files)
    keys = {r.payment_id for r in spark.table("silver.payments").select("payment_id").collect()}
    assert keys == generated_keys(cfg, "payments")
