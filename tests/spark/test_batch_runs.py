"""Runs keyed by their deliveries: a cleared run redoes exactly its own, sources load side by side, and a
silver build killed between writing its candidate and publishing leaves silver as it was."""

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from ecomgen import generate, generated_keys, write_delivery
from ecomgen.model import Day
from ecomlake.contracts import load_contract
from orchestration import pipeline
from spark_jobs import silver

START, SEED, SCALE = date(2026, 5, 1), 5, 0.002


def content_hash(spark, table: str) -> str:
    """Order-independent hash of every column, load times included."""
    df = spark.table(table)
    rows = df.select(F.sha2(F.to_json(F.struct(*df.columns)), 256).alias("h")).collect()
    return hashlib.sha256("".join(sorted(r.h for r in rows)).encode()).hexdigest()


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


def test_clearing_a_run_reloads_exactly_its_deliveries_and_changes_nothing(lake, spark, cfg):
    write_delivery(cfg, "orders", Day(date(2026, 5, 3), SEED, SCALE, START))
    first = pipeline.ingest_and_build("orders", run_id="scheduled__2026-05-03")
    assert [b.rsplit("/", 1)[0] for b in first["ingest"]["batches"]] == ["orders/2026-05-03"]
    tables = ("bronze.orders", "quarantine.orders", "silver.orders")
    before = {t: content_hash(spark, t) for t in tables}
    versions = {t: commits(cfg, t) for t in tables}

    cleared = pipeline.ingest_and_build("orders", run_id="scheduled__2026-05-03")
    assert cleared["ingest"]["batches"] == first["ingest"]["batches"]
    assert cleared["ingest"]["files"] == first["ingest"]["files"] > 0
    assert {t: content_hash(spark, t) for t in tables} == before
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


def test_a_silver_build_killed_before_publishing_leaves_silver_as_it_was(lake, spark, cfg, platform_env):
    """SIGKILL after the candidate is written (its commit appears), before the publish; then the retry."""
    write_delivery(cfg, "orders", Day(date(2026, 5, 5), SEED, SCALE, START))
    candidate = silver.candidate_table(load_contract("orders"))
    before, published = content_hash(spark, "silver.orders"), commits(cfg, "silver.orders")
    written = commits(cfg, candidate)
    job = ingest_job(platform_env, "orders", "--run-id", "killed-before-publish")
    try:
        while commits(cfg, candidate) == written:
            assert job.poll() is None, job.stdout.read()[-3000:]
            time.sleep(0.02)
        job.send_signal(signal.SIGKILL)
    finally:
        job.wait(timeout=60)
    assert commits(cfg, "silver.orders") == published, "killed too late: silver already published"

    # A second Spark application reads the published table: the old version.
    script = textwrap.dedent("""
        import hashlib
        from pyspark.sql import functions as F
        from ecomlake.spark import get_spark
        df = get_spark().table("silver.orders")
        rows = df.select(F.sha2(F.to_json(F.struct(*df.columns)), 256).alias("h")).collect()
        print("HASH", hashlib.sha256("".join(sorted(r.h for r in rows)).encode()).hexdigest())
    """)
    out = subprocess.run([sys.executable, "-c", script], env={**os.environ, **platform_env}, capture_output=True,
                         text=True, timeout=600, check=True).stdout
    assert f"HASH {before}" in out

    retried = pipeline.ingest_and_build("orders", run_id="killed-before-publish")
    assert retried["silver"]["rows_changed"] > 0
    assert commits(cfg, "silver.orders") == published + 1
    new_orders = {r.order_id for r in spark.table("silver.orders").select("order_id").collect()}
    assert new_orders == generated_keys(cfg, "orders")
    again = pipeline.ingest_and_build("orders", run_id="killed-before-publish")
    assert again["silver"]["rows_changed"] == 0 and commits(cfg, "silver.orders") == published + 1
