"""The orders chain on real Spark, Delta and the shared metastore, scored against the generator's truth."""

import json
from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from ecomgen import generate, generated_keys
from ecomgen.truth import listed
from ecomlake.contracts import load_contract
from orchestration import marts, pipeline
from spark_jobs.bronze import landed_files

START, DAYS, SEED, SCALE = date(2026, 10, 1), 2, 11, 0.005
MART = "marts.orders_daily"
TABLES = ("bronze.orders", "quarantine.orders", "silver.orders", MART)


def run_chain(deliveries: list[str] | None = None) -> dict:
    """The tasks of ingest_orders then orders_marts, in this process."""
    steps = {**pipeline.ingest_and_build("orders", deliveries=deliveries),
             "staging": marts.build_models("stg_orders__orders"), **marts.refresh_mart(MART)}
    return steps


def fingerprint(spark, table: str) -> tuple[int, str]:
    """Row count and an order-independent hash of the content, load timestamps aside."""
    df = spark.table(table)
    df = df.drop(*[c for c in df.columns if c == "_ingested_at"])
    digest = df.select(F.sha2(F.to_json(F.struct(*df.columns)), 256).alias("h")).agg(
        F.sort_array(F.collect_list("h")).alias("all")).first()["all"]
    return df.count(), str(hash(tuple(digest)))


@pytest.fixture(scope="module")
def first_run(spark, cfg):
    generate(cfg, ["orders"], START, DAYS, SEED, SCALE)
    return run_chain()


def truth_manifests(cfg) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(Path(cfg.truth_root).glob("orders/*/manifest.json"))]


def test_quarantine_equals_the_bad_record_manifest(first_run, spark, cfg):
    manifests = truth_manifests(cfg)  # every delivery this test session made, this module's and others'
    expected = {(b["record_hash"], b["reason"]) for m in manifests for b in m["bad_records"]}
    got = {(r._record_hash, r.reason) for r in spark.table("quarantine.orders").collect()}
    assert expected and got == expected
    days = {batch.split("/")[1] for batch in first_run["ingest"]["batches"]}
    this_run = [b for m in manifests if m["day"] in days for b in m["bad_records"]]
    assert sum(first_run["ingest"]["quarantined"].values()) == len(this_run) > 0


def test_every_generated_order_is_in_silver_once(first_run, spark, cfg):
    silver_ids = [r.order_id for r in spark.table("silver.orders").select("order_id").collect()]
    assert len(silver_ids) == len(set(silver_ids))
    assert set(silver_ids) == generated_keys(cfg, "orders")


def test_mart_counts_every_order_and_reconciles_gmv_with_silver(first_run, spark, cfg):
    mart = spark.table("marts.orders_daily").agg(F.sum("orders").alias("orders"), F.sum("gmv_fen").alias("gmv"))
    silver_gmv = spark.table("silver.orders").where("is_paid").agg(F.sum("total_fen")).first()[0]
    row = mart.first()
    assert row.orders == len(generated_keys(cfg, "orders") - listed(cfg, "orders", "deleted_orders"))
    assert row.gmv == silver_gmv


def test_no_raw_phone_or_address_in_silver(first_run, spark, cfg):
    bronze_phones = {r.p for r in spark.table("bronze.orders").select(F.col("after.shipping_phone").alias("p"))
                     .where("p is not null").distinct().collect()}
    silver = spark.table("silver.orders")
    text = " ".join(str(v) for row in silver.collect() for v in row)
    assert bronze_phones and not any(phone in text for phone in bronze_phones)
    assert "市" not in text  # addresses are Chinese text; tokens are hex


def test_rerun_and_redelivery_change_nothing(first_run, spark, cfg):
    before = {t: fingerprint(spark, t) for t in TABLES}
    generate(cfg, ["orders"], START, DAYS, SEED, SCALE)  # every file delivered again
    second = run_chain()
    assert second["ingest"]["files"] == 0 and second["silver"]["rows_changed"] == 0
    assert {t: fingerprint(spark, t) for t in TABLES} == before


def test_backfilling_past_days_leaves_the_same_tables(first_run, spark, cfg):
    before = {t: fingerprint(spark, t) for t in TABLES}
    deliveries = pipeline.replayed("orders", START.isoformat(), date(2026, 10, 2).isoformat())
    assert deliveries == ["2026-10-01", "2026-10-02"]
    again = run_chain(deliveries)
    loaded = [b.rsplit("/", 1)[0] for b in again["ingest"]["batches"]]
    assert loaded == ["orders/2026-10-01", "orders/2026-10-02"]
    assert again["ingest"]["files"] == sum(len(landed_files(cfg, load_contract("orders"), day)) for day in deliveries)
    assert set(again["ingest"]["batches"]) <= set(again["silver"]["batches_applied"])
    assert again["silver"]["rows_changed"] == 0  # silver already had every change: nothing to publish
    assert {t: fingerprint(spark, t) for t in TABLES} == before


def test_an_independent_reader_sees_the_same_delta_tables(first_run, spark, cfg):
    from deltalake import DeltaTable

    for layer, table in (("bronze", "orders"), ("marts", "orders_daily")):
        independent = DeltaTable(cfg.table_location(layer, table)).to_pyarrow_table().num_rows
        assert independent == spark.table(f"{layer}.{table}").count()
