"""All ten sources, landing → bronze / quarantine → silver on real Spark and Delta, scored against the truth."""

import hashlib
import hmac
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date

import pytest
from pyspark.sql import functions as F

from ecomgen import SOURCES, bad_records, generate, write_delivery
from ecomgen.model import Day
from ecomlake import storage
from ecomlake.contracts import all_sources, load_contract
from orchestration import pipeline

# The session lake (tests/spark/conftest.py): two days; prices change daily, so products get SCD2 versions.
START, DAYS, SEED, SCALE = date(2026, 8, 1), 2, 7, 0.002
KILL_DAY = date(2026, 8, 3)
TABLES = [t for s in SOURCES for t in (f"bronze.{s}", f"quarantine.{s}", load_contract(s).silver_table)]
PHONE = re.compile(r"1[3-9][0-9]{9}")


def load_everything() -> dict:
    return {source: tuple(pipeline.ingest_and_build(source).values()) for source in SOURCES}


def fingerprint(spark, table: str) -> tuple[int, str]:
    """Row count and an order-independent hash of the content, load timestamps aside."""
    if not spark.catalog.tableExists(table):
        return 0, ""
    df = spark.table(table)
    df = df.drop(*[c for c in df.columns if c == "_ingested_at"])
    digest = df.select(F.sha2(F.to_json(F.struct(*df.columns)), 256).alias("h")).agg(
        F.sort_array(F.collect_list("h")).alias("all")).first()["all"]
    return df.count(), hashlib.sha256("".join(digest).encode()).hexdigest()


def fingerprints(spark) -> dict[str, tuple[int, str]]:
    return {table: fingerprint(spark, table) for table in TABLES}


@pytest.fixture(scope="module")
def first_run(ten_source_lake):
    """The session's ten-source lake (tests/spark/conftest.py), built from START, DAYS, SEED and SCALE."""
    return ten_source_lake


@pytest.mark.parametrize("source", SOURCES)
def test_quarantine_holds_exactly_the_deliberately_bad_records(first_run, spark, cfg, source):
    expected = {(b["record_hash"], b["reason"]) for b in bad_records(cfg, source)}
    got = {(r._record_hash, r.reason) for r in spark.table(f"quarantine.{source}").collect()}
    assert expected, f"the generator broke no {source} record"
    assert got == expected


def test_every_source_lands_in_bronze_and_silver_and_passes_its_gates(first_run, spark):
    for source, (ingest, silver) in first_run.items():
        assert ingest["files"] > 0 and ingest["rows_to_bronze"] > 0, source
        assert silver["rows"] > 0, source
        assert ingest["expectations"]["passed"] == ingest["expectations"]["evaluated"], source
        assert silver["expectations"]["evaluated"] > 0, source


def test_silver_keys_are_unique_and_amounts_are_in_fen(first_run, spark):
    for source in SOURCES:
        contract = load_contract(source)
        key = [*contract.key, *(["valid_from"] if contract.silver.history else [])]
        table = spark.table(contract.silver_table)
        assert table.groupBy(*key).count().where("count > 1").count() == 0, source
        assert not [c for c in table.columns if c.endswith("_yuan")], source
    assert "spend_fen" in spark.table("silver.ad_spend").columns


def test_product_prices_keep_their_history(first_run, spark):
    products = spark.table("silver.products")
    versions = products.groupBy("sku_id").agg(F.count("*").alias("n"), F.sum(F.col("is_current").cast("int"))
                                               .alias("current"))
    assert versions.where("current != 1").count() == 0
    assert versions.where("n > 1").count() > 0, "no price changed between the two days"


def test_a_new_clickstream_property_is_queryable_in_bronze_the_day_it_appears(first_run, spark):
    drift = spark.sql("""
        select split(_source_file, '/')[1] as delivered, count(_rescued_data['experiment_id']) as with_property
        from bronze.clickstream group by 1 order by 1""").collect()
    by_day = {r.delivered: r.with_property for r in drift}
    assert by_day[START.isoformat()] == 0
    assert by_day["2026-08-02"] > 0


def test_re_delivering_every_file_changes_nothing(first_run, spark, cfg):
    before = fingerprints(spark)
    generate(cfg, list(SOURCES), START, DAYS, SEED, SCALE)  # every landing file written again
    again = load_everything()
    assert all(ingest["files"] == 0 for ingest, _ in again.values())
    assert fingerprints(spark) == before


def _phones_in(text: str) -> set[str]:
    return set(PHONE.findall(re.sub(r"[ \-+]", "", text)))


def test_no_silver_table_holds_a_raw_phone_email_or_name(first_run, spark):
    raw = {
        "phones": set(), "emails": set(),
        "names": {r.n for r in spark.table("bronze.users").select(F.col("after.name").alias("n"))
                  .where("n is not null").distinct().collect()},
    }
    for source in ("users", "orders", "service", "logistics"):
        contract = load_contract(source)
        bronze = spark.table(f"bronze.{source}")
        if contract.is_cdc:
            bronze = bronze.select("after.*")
        for spec in contract.fields:
            if spec.pii in ("phone", "email"):
                values = {r[0] for r in bronze.select(spec.name).where(F.col(spec.name).isNotNull()).collect()}
                if spec.pii == "phone":
                    raw["phones"] |= {p for v in values for p in _phones_in(v)}
                else:
                    raw["emails"] |= {v.strip().lower() for v in values}
    assert all(raw.values()), {k: len(v) for k, v in raw.items()}
    for source in SOURCES:
        table = spark.table(load_contract(source).silver_table)
        rows = [r.j for r in table.select(F.to_json(F.struct(*table.columns)).alias("j")).collect()]
        text = "\n".join(rows).lower()
        assert not _phones_in(text) & raw["phones"], source
        assert not [e for e in raw["emails"] if e in text], source
        strings = {v for r in table.select(*[c for c, t in table.dtypes if t == "string"]).collect() for v in r}
        assert not strings & raw["names"], source


def test_the_same_phone_has_the_same_token_in_users_orders_service_and_logistics(first_run, spark):
    key = os.environ["ECOMLAKE_HMAC_KEY"].encode()
    tokens = {
        "users": spark.table("silver.users").select("phone_token"),
        "orders": spark.table("silver.orders").select("shipping_phone_token"),
        "logistics": spark.table("silver.logistics_events").select("recipient_phone_token"),
        "service": spark.table("silver.service_tickets").select("contact_phone_token"),
    }
    sets = {name: {r[0] for r in df.distinct().collect()} - {None} for name, df in tokens.items()}
    assert sets["users"] & sets["orders"] & sets["logistics"] & sets["service"]
    # A phone typed with spaces, dashes or +86 into a ticket still gets the account's token.
    typed = [r.contact_phone for r in spark.table("bronze.service").select("contact_phone")
             .where(F.col("contact_phone").rlike("[ +-]") & F.col("contact_phone").rlike("^[+]?[0-9]{2}[0-9 -]+$"))
             .where(~F.col("contact_phone").startswith("400")).collect()]
    assert typed, "no ticket has a phone typed in another format"
    for phone in typed:
        digits = re.sub(r"[^0-9]", "", phone).removeprefix("86") if len(re.sub(r"[^0-9]", "", phone)) == 13 \
            else re.sub(r"[^0-9]", "", phone)
        assert hmac.new(key, digits.encode(), hashlib.sha256).hexdigest() in sets["service"]


def killed_after_its_bronze_commit(cfg, platform_env, day: date, run_id: str) -> None:
    """Deliver a clickstream day and load it in a Spark application of its own, SIGKILLed as soon as its
    bronze commit is on disk (observed from the files, no hook in the product)."""
    write_delivery(cfg, "clickstream", Day(day, SEED, SCALE, START))
    table = storage.at(cfg.table_location("bronze", "clickstream"))  # local or S3, as the profile says
    commits = len(table.glob("_delta_log/*.json"))
    job = subprocess.Popen([sys.executable, "-m", "orchestration.ingest_job", "clickstream", "--bronze-only",
                            "--run-id", run_id],
                           env={**os.environ, **platform_env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while len(table.glob("_delta_log/*.json")) == commits:
            assert job.poll() is None, "the load ended before it wrote bronze"
            time.sleep(0.02)
        job.send_signal(signal.SIGKILL)
    finally:
        job.wait(timeout=60)


def test_an_ingestion_killed_mid_write_then_re_run_equals_an_uninterrupted_run(first_run, spark, cfg, platform_env):
    """SIGKILL the clickstream load right after its bronze commit, before quarantine and ledger; run it again.

    Between the bronze commit and the ledger there is about a second; a kill that lands after the ledger
    (a busy machine) proves nothing, so the test tries again with the next day, at most three times."""
    for attempt in range(3):
        day, run_id = date.fromordinal(KILL_DAY.toordinal() + attempt), f"killed-run-{attempt}"
        killed_after_its_bronze_commit(cfg, platform_env, day, run_id)
        ledger = spark.table("ops.ingested_files").where(
            (F.col("source") == "clickstream") & F.col("source_file").contains(day.isoformat()))
        if ledger.count() == 0:
            break
    else:
        pytest.fail("three kills all landed after the ledger was written")

    assert pipeline.ingest("clickstream")["files"] == 0, "another run took files the killed run had claimed"
    retried = pipeline.ingest_and_build("clickstream", run_id)  # the retry: same run, same deliveries
    assert {b.rsplit("/", 1)[0] for b in retried["ingest"]["batches"]} == {f"clickstream/{day}"}
    recovered = fingerprints(spark)
    pipeline.ingest_and_build("clickstream", deliveries=[day.isoformat()])  # a backfill of that day
    assert fingerprints(spark) == recovered
    quarantine = {(r._record_hash, r.reason) for r in spark.table("quarantine.clickstream").collect()}
    assert quarantine == {(b["record_hash"], b["reason"]) for b in bad_records(cfg, "clickstream")}


def test_contracts_cover_the_ten_sources():
    assert sorted(SOURCES) == all_sources() and len(SOURCES) == 10
