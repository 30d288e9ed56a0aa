"""The contract-driven silver engine: newest wins by event time, deletes stay deleted, PII becomes tokens."""

import hashlib
import hmac
import os
from dataclasses import replace
from datetime import date

import pytest
from pyspark.sql import functions as F

from ecomlake.contracts import load_contract
from ecomlake.pii import KEY_ENV, HmacKey, hmac_sha256
from spark_jobs import silver
from spark_jobs.silver import conform, latest, scd2

KEY = HmacKey(f"env:{KEY_ENV}")  # the session's key (tests/conftest.py), read by the executors
ORDERS, USERS, PRODUCTS = load_contract("orders"), load_contract("users"), load_contract("products")


def token(text: str) -> str:
    return hmac.new(os.environ[KEY_ENV].encode(), text.encode(), hashlib.sha256).hexdigest()


def under_test(contract, name: str):
    """The contract with its bronze and silver tables renamed, so a test owns them."""
    return replace(contract, source=name, silver=replace(contract.silver, table=name))


def publish_batches(spark, contract, batches) -> list[int]:
    """Land each batch of bronze rows, write its candidate and publish it as a run does (the audit aside),
    checking that publishing leaves exactly the view an audit would have seen; rows changed per batch."""
    for table in (f"bronze.{contract.source}", contract.silver_table, silver.candidate_table(contract)):
        spark.sql(f"DROP TABLE IF EXISTS {table}")
    changed = []
    for n, rows in enumerate(batches):
        rows.withColumn("_batch_id", F.lit(f"b{n}")).write.format("delta").mode("append").saveAsTable(
            f"bronze.{contract.source}")
        candidate = silver.write_candidate(spark, contract, [f"b{n}"], KEY)
        changed.append(candidate.count())
        expected = sorted(map(tuple, silver.published_view(spark, contract, candidate).collect()))
        silver.publish(spark, contract, candidate)
        assert sorted(map(tuple, spark.table(contract.silver_table).collect())) == expected
    return changed


def cdc_bronze(spark, contract, changes):
    """Bronze rows of a CDC source from (op, ts_ms, row, record hash, delivery date)."""
    rows = [(op, ts, None if op != "d" else row, None if op == "d" else row, None,
             f"{contract.source}/{delivered}/part.jsonl", h, "b1") for op, ts, row, h, delivered in changes]
    return spark.createDataFrame(rows, f"op string, ts_ms bigint, before {contract.row_ddl}, after {contract.row_ddl},"
                                       " _rescued_data map<string,string>, _source_file string, _record_hash string,"
                                       " _batch_id string")


def order(op, ts, order_id, status, phone="13800000000", delivered="2026-11-20"):
    row = {"order_id": order_id, "user_id": "U1", "channel": "app", "status": status, "total_fen": 100,
           "shipping_phone": phone, "items": [{"sku_id": "S", "quantity": 2, "unit_price_fen": 50}]}
    return (op, ts, row, f"h{order_id}{ts}{status}", delivered)


def user(op, ts, user_id, phone, delivered="2026-11-20"):
    row = {"user_id": user_id, "phone": phone, "email": " Someone@Example.COM ", "name": "王伟",
           "register_channel": "app", "marketing_consent": True}
    return (op, ts, row, f"h{user_id}{ts}{op}", delivered)


def newest(spark, contract, changes):
    return {r[contract.key[0]]: r for r in latest(conform(cdc_bronze(spark, contract, changes), contract, KEY),
                                                   contract).collect()}


def test_latest_event_by_time_wins_even_when_it_arrived_first(spark):
    rows = newest(spark, ORDERS, [order("u", 300, "O1", "shipped"), order("c", 100, "O1", "created"),
                                  order("u", 200, "O1", "paid"), order("c", 100, "O2", "created")])
    assert {k: (r.status, r._changed_at_ms) for k, r in rows.items()} == {"O1": ("shipped", 300),
                                                                          "O2": ("created", 100)}


def test_same_millisecond_later_status_wins(spark):
    [row] = newest(spark, ORDERS, [order("u", 100, "O1", "paid"), order("c", 100, "O1", "created")]).values()
    assert row.status == "paid"


def test_pii_becomes_a_real_hmac_and_derived_columns_come_from_the_contract(spark):
    [row] = newest(spark, ORDERS, [order("c", 1, "O1", "created", phone="+86 139-1234-5678")]).values()
    assert row.shipping_phone_token == token("13912345678")
    assert row.item_quantity == 2 and row.is_paid is False
    [account] = newest(spark, USERS, [user("c", 1, "U1", "13912345678")]).values()
    assert account.phone_token == row.shipping_phone_token  # one phone, one token, across sources
    assert account.email_token == token("someone@example.com")
    assert account.name_token == token("王伟")
    silver_columns = set(conform(cdc_bronze(spark, USERS, [user("c", 1, "U1", "1")]), USERS, KEY).columns)
    assert not silver_columns & {"phone", "email", "name"}


def test_hmac_handles_unicode_and_null(spark):
    df = spark.createDataFrame([("上海市浦东新区",), (None,)], "v string")
    tokens = [r.t for r in df.select(hmac_sha256(F.col("v"), KEY).alias("t")).collect()]
    assert tokens == [token("上海市浦东新区"), None]


def test_merge_across_batches_never_rolls_an_order_back(spark):
    """Batches arrive out of order: silver keeps the newest change by event time, then lifecycle."""
    orders = under_test(ORDERS, "orders_merge_under_test")
    batches = [[order("u", 200, "O1", "paid")],
               [order("c", 100, "O1", "created")],         # late, older: ignored
               [order("u", 200, "O1", "created")],         # same ms, earlier status: ignored
               [order("u", 200, "O1", "cancelled"), order("c", 50, "O2", "created")]]
    changed = publish_batches(spark, orders, [cdc_bronze(spark, orders, changes) for changes in batches])
    state = {r.order_id: (r.status, r._changed_at_ms) for r in spark.table(orders.silver_table).collect()}
    assert state == {"O1": ("cancelled", 200), "O2": ("created", 50)}
    assert changed == [1, 0, 0, 2]  # the ignored changes never reach the candidate


def test_a_closed_account_is_not_resurrected_by_a_late_older_update(spark):
    users = under_test(USERS, "users_closed_under_test")
    batches = ([user("c", 100, "U1", "13900000001")], [user("d", 300, "U1", "13900000001")],
               [user("u", 200, "U1", "13900000002", delivered="2026-11-21")])
    publish_batches(spark, users, [cdc_bronze(spark, users, changes) for changes in batches])
    [row] = spark.table(users.silver_table).collect()
    assert row._is_deleted and row._changed_at_ms == 300
    assert row.phone_token is None and row.email_token is None and row.register_channel is None


def product(sku, price, snapshot, delivered=None):
    return (sku, f"商品{sku}", "品牌", "服饰", price, "on_sale", "profit", date.fromisoformat(snapshot),
            f"products/{delivered or snapshot}/products.csv", f"h{sku}{snapshot}{price}")


def products_bronze(spark, rows):
    bronze = spark.createDataFrame(rows, "sku_id string, product_name string, brand string, category_l1 string, "
                                         "price_yuan string, status string, role string, snapshot_date date, "
                                         "_source_file string, _record_hash string")
    return bronze.select(*[F.col(f.name).cast(f.type) if f.name in bronze.columns else F.lit(None).cast(f.type)
                           .alias(f.name) for f in PRODUCTS.fields], F.lit(None).cast("map<string,string>")
                         .alias("_rescued_data"), "_source_file", "_record_hash", F.lit("b").alias("_batch_id"))


def versions_of(rows) -> list[tuple]:
    return sorted((r.sku_id, str(r.valid_from), str(r.valid_to), r.price_fen, r.is_current) for r in rows)


SNAPSHOTS = [product("S1", "10.00", "2026-11-03"), product("S1", "10.00", "2026-11-01"),
             product("S1", "8.00", "2026-11-02"), product("S2", "5.00", "2026-11-01"),
             product("S1", "9.00", "2026-11-02", delivered="2026-11-05")]  # a corrected re-delivery wins
VERSIONS = [("S1", "2026-11-01", "2026-11-02", 1000, False),
            ("S1", "2026-11-02", "2026-11-03", 900, False),
            ("S1", "2026-11-03", "None", 1000, True),
            ("S2", "2026-11-01", "None", 500, True)]


def test_scd2_keeps_a_version_per_price_change_whatever_order_snapshots_arrive_in(spark):
    assert versions_of(scd2(conform(products_bronze(spark, SNAPSHOTS), PRODUCTS, KEY), PRODUCTS).collect()) \
        == VERSIONS


@pytest.mark.parametrize("order", [[1, 3, 2, 0, 4], [4, 2, 0, 3, 1]])
def test_scd2_built_snapshot_by_snapshot_equals_the_full_history(spark, order):
    """One delivery at a time, in time order or late: the incremental MERGE reaches the same versions."""
    products = under_test(PRODUCTS, "products_scd2_under_test")
    publish_batches(spark, products, [products_bronze(spark, [SNAPSHOTS[i]]) for i in order])
    assert versions_of(spark.table(products.silver_table).collect()) == VERSIONS


def test_a_snapshot_that_changes_nothing_writes_nothing(spark):
    products = under_test(PRODUCTS, "products_unchanged_under_test")
    changed = publish_batches(spark, products, [products_bronze(spark, [SNAPSHOTS[1], SNAPSHOTS[3]]),
                                                products_bronze(spark, [product("S1", "10.00", "2026-11-04")])])
    assert changed == [2, 0]


def test_a_candidate_that_does_not_fit_the_published_schema_is_refused(spark):
    products = under_test(PRODUCTS, "products_drift_under_test")
    publish_batches(spark, products, [products_bronze(spark, [SNAPSHOTS[1]])])
    candidate = spark.table(silver.candidate_table(products)).withColumn("colour", F.lit("red"))
    with pytest.raises(silver.SchemaChangeError, match="colour"):
        silver.publish(spark, products, candidate)
