"""Contract checks on delivered lines: each bad line gets exactly the reason it deserves."""

import json

import pytest
from pyspark.sql import functions as F

from ecomlake.contracts import load_contract
from spark_jobs.bronze import to_bronze, to_quarantine, validate

CONTRACT = load_contract("orders")
GOOD_ROW = {
    "order_id": "O1", "user_id": "U1", "channel": "app", "status": "created",
    "created_at": "2026-11-20T10:00:00.000Z", "updated_at": "2026-11-20T10:00:00.000Z",
    "total_fen": 1000, "discount_fen": 0, "device_id": "D1", "shipping_phone": "13800000000",
    "shipping_address": "上海市", "items": [{"sku_id": "SKU1", "quantity": 1, "unit_price_fen": 1000}],
}


def line(op="c", **changes) -> str:
    return json.dumps({"op": op, "ts_ms": 1, "before": None, "after": {**GOOD_ROW, **changes}},
                      ensure_ascii=False)


CASES = [
    (line(), None),
    (line(op="u", status="paid"), None),
    ('{"op":"c","ts_ms":1,"after":{"order_id"', "malformed_json"),
    (line(op="x"), "unknown_op"),
    (line(order_id=None), "missing_required:order_id"),
    (line(total_fen="lots"), "bad_type:total_fen"),
    (line(items=[{"sku_id": "S", "quantity": 1, "unit_price_fen": 5}, {"sku_id": "T", "quantity": "two"}]),
     "bad_type:items"),
    (line(items=[]), None),
    (line(total_fen=-5), "out_of_range:total_fen"),
    (line(channel="fax"), "not_allowed:channel"),
    (line(discount_fen=None, device_id=None), None),
]


@pytest.fixture(scope="module")
def validated(spark):
    raw = spark.createDataFrame([(text, f"orders/2026-11-20/f{i}.jsonl", str(i), "b1") for i, (text, _) in
                                 enumerate(CASES)], "value string, _source_file string, _record_hash string, "
                                                    "_batch_id string")
    return validate(raw.withColumn("_ingested_at", F.current_timestamp()), CONTRACT)


def test_each_line_gets_its_reason(validated):
    got = {r["_record_hash"]: r["reason"] for r in validated.select("_record_hash", "reason").collect()}
    assert got == {str(i): reason for i, (_, reason) in enumerate(CASES)}


def test_bronze_and_quarantine_split_the_lines_without_loss(validated):
    bronze, quarantine = to_bronze(validated), to_quarantine(validated)
    assert bronze.count() + quarantine.count() == len(CASES)
    assert {r.raw_text for r in quarantine.collect()} == {text for text, reason in CASES if reason}
    assert bronze.columns[:4] == ["op", "ts_ms", "before", "after"]
