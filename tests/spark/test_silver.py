"""The contract-driven silver engine: newest wins by event time, deletes stay deleted, PII becomes tokens."""

import hashlib
import hmac
from datetime import date

from pyspark.sql import functions as F

from ecomlake.contracts import load_contract
from ecomlake.pii import hmac_sha256
from spark_jobs.silver import conform, latest, merge, scd2

KEY = b"unit-test-key"
ORDERS, USERS, PRODUCTS = load_contract("orders"), load_contract("users"), load_contract("products")


def token(text: str) -> str:
    return hmac.new(KEY, text.encode(), hashlib.sha256).hexdigest()


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
    table = "ops.silver_merge_under_test"
    spark.sql(f"DROP TABLE IF EXISTS {table}")
    batches = [[order("u", 200, "O1", "paid")],
               [order("c", 100, "O1", "created")],         # late, older: ignored
               [order("u", 200, "O1", "created")],         # same ms, earlier status: ignored
               [order("u", 200, "O1", "cancelled"), order("c", 50, "O2", "created")]]
    for changes in batches:
        merge(spark, latest(conform(cdc_bronze(spark, ORDERS, changes), ORDERS, KEY), ORDERS), ORDERS, table)
    state = {r.order_id: (r.status, r._changed_at_ms) for r in spark.table(table).collect()}
    assert state == {"O1": ("cancelled", 200), "O2": ("created", 50)}


def test_a_closed_account_is_not_resurrected_by_a_late_older_update(spark):
    table = "ops.silver_users_under_test"
    spark.sql(f"DROP TABLE IF EXISTS {table}")
    for changes in ([user("c", 100, "U1", "13900000001")], [user("d", 300, "U1", "13900000001")],
                    [user("u", 200, "U1", "13900000002", delivered="2026-11-21")]):
        merge(spark, latest(conform(cdc_bronze(spark, USERS, changes), USERS, KEY), USERS), USERS, table)
    [row] = spark.table(table).collect()
    assert row._is_deleted and row._changed_at_ms == 300
    assert row.phone_token is None and row.email_token is None and row.register_channel is None


def product(sku, price, snapshot, delivered=None):
    return (sku, f"商品{sku}", "品牌", "服饰", price, "on_sale", "profit", date.fromisoformat(snapshot),
            f"products/{delivered or snapshot}/products.csv", f"h{sku}{snapshot}{price}")


def test_scd2_keeps_a_version_per_price_change_whatever_order_snapshots_arrive_in(spark):
    rows = [product("S1", "10.00", "2026-11-03"), product("S1", "10.00", "2026-11-01"),
            product("S1", "8.00", "2026-11-02"), product("S2", "5.00", "2026-11-01"),
            product("S1", "9.00", "2026-11-02", delivered="2026-11-05")]  # a corrected re-delivery wins
    bronze = spark.createDataFrame(rows, "sku_id string, product_name string, brand string, category_l1 string, "
                                         "price_yuan string, status string, role string, snapshot_date date, "
                                         "_source_file string, _record_hash string")
    bronze = bronze.select(*[F.col(f.name).cast(f.type) if f.name in bronze.columns else F.lit(None).cast(f.type)
                             .alias(f.name) for f in PRODUCTS.fields], F.lit(None).cast("map<string,string>")
                           .alias("_rescued_data"), "_source_file", "_record_hash", F.lit("b").alias("_batch_id"))
    versions = sorted((r.sku_id, str(r.valid_from), str(r.valid_to), r.price_fen, r.is_current)
                      for r in scd2(conform(bronze, PRODUCTS, KEY), PRODUCTS).collect())
    assert versions == [("S1", "2026-11-01", "2026-11-02", 1000, False),
                        ("S1", "2026-11-02", "2026-11-03", 900, False),
                        ("S1", "2026-11-03", "None", 1000, True),
                        ("S2", "2026-11-01", "None", 500, True)]
