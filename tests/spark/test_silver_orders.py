"""CDC semantics of silver.orders: event time wins over arrival, deletes delete, PII is tokenised."""

import hashlib
import hmac

from pyspark.sql import functions as F

from ecomlake.contracts import load_contract
from ecomlake.pii import hmac_sha256
from spark_jobs.silver_orders import latest_changes, merge, transform

KEY = b"unit-test-key"
ROW_TYPE = "struct<" + ", ".join(f"`{f.name}`: {f.type}" for f in load_contract("orders").fields) + ">"


def change(spark, op, ts, order_id, status, phone="13800000000"):
    row = {"order_id": order_id, "user_id": "U1", "channel": "app", "status": status,
           "total_fen": 100, "shipping_phone": phone, "items": [{"sku_id": "S", "quantity": 2,
                                                                 "unit_price_fen": 50}]}
    return (op, ts, None if op != "d" else row, None if op == "d" else row, f"h{ts}", "b1")


def bronze(spark, rows):
    return spark.createDataFrame(
        rows, f"op string, ts_ms bigint, before {ROW_TYPE}, after {ROW_TYPE}, _record_hash string, "
              "_batch_id string")


def test_latest_event_by_time_wins_even_when_it_arrived_first(spark):
    rows = [change(spark, "u", 300, "O1", "shipped"), change(spark, "c", 100, "O1", "created"),
            change(spark, "u", 200, "O1", "paid"), change(spark, "c", 100, "O2", "created")]
    latest = {r.order_id: (r.status, r.ts_ms) for r in latest_changes(bronze(spark, rows)).collect()}
    assert latest == {"O1": ("shipped", 300), "O2": ("created", 100)}


def test_same_millisecond_later_status_wins(spark):
    rows = [change(spark, "u", 100, "O1", "paid"), change(spark, "c", 100, "O1", "created")]
    [row] = latest_changes(bronze(spark, rows)).collect()
    assert row.status == "paid"


def test_transform_tokenises_phone_with_a_real_hmac(spark):
    out = transform(bronze(spark, [change(spark, "c", 1, "O1", "created", phone="13912345678")]), KEY)
    [row] = out.collect()
    assert row.shipping_phone_token == hmac.new(KEY, b"13912345678", hashlib.sha256).hexdigest()
    assert "shipping_phone" not in out.columns
    assert row.item_quantity == 2 and row.is_paid is False


def test_hmac_handles_unicode_and_null(spark):
    df = spark.createDataFrame([("上海市浦东新区",), (None,)], "v string")
    tokens = [r.t for r in df.select(hmac_sha256(F.col("v"), KEY).alias("t")).collect()]
    assert tokens == [hmac.new(KEY, "上海市浦东新区".encode(), hashlib.sha256).hexdigest(), None]


def test_merge_across_batches_never_rolls_an_order_back(spark):
    """Batches arrive out of order: silver keeps the newest change by event time, then lifecycle."""
    table = "ops.silver_merge_under_test"
    spark.sql(f"DROP TABLE IF EXISTS {table}")
    batches = [[change(spark, "u", 200, "O1", "paid")],
               [change(spark, "c", 100, "O1", "created")],         # late, older: ignored
               [change(spark, "u", 200, "O1", "created")],         # same ms, earlier status: ignored
               [change(spark, "u", 200, "O1", "cancelled"), change(spark, "c", 50, "O2", "created")]]
    for rows in batches:
        merge(spark, transform(bronze(spark, rows), KEY), table)
    state = {r.order_id: (r.status, r._changed_at_ms) for r in spark.table(table).collect()}
    assert state == {"O1": ("cancelled", 200), "O2": ("created", 50)}
