"""Contract checks on delivered records: each bad one gets exactly the reason it deserves, in every format."""

import json

import pytest
from pyspark.sql import functions as F

from ecomlake.contracts import load_contract
from spark_jobs.bronze import to_bronze, to_quarantine, validate
from spark_jobs.readers import parse_lines

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
    (json.dumps({"op": "c", "after": GOOD_ROW}), "missing_required:ts_ms"),
    (line(order_id=None), "missing_required:order_id"),
    (line(total_fen="lots"), "bad_type:total_fen"),
    (line(items=[{"sku_id": "S", "quantity": 1, "unit_price_fen": 5}, {"sku_id": "T", "quantity": "two"}]),
     "bad_type:items"),
    (line(items=[]), None),
    (line(total_fen=-5), "out_of_range:total_fen"),
    (line(channel="fax"), "not_allowed:channel"),
    (line(discount_fen=None, device_id=None), None),
    (line(coupon_code="NEW11"), None),
]


@pytest.fixture(scope="module")
def validated(spark):
    raw = spark.createDataFrame([(text, f"orders/2026-11-20/f{i}.jsonl", str(i), "b1") for i, (text, _) in
                                 enumerate(CASES)], "value string, _source_file string, _record_hash string, "
                                                    "_batch_id string")
    return validate(parse_lines(raw.withColumn("_ingested_at", F.current_timestamp()), CONTRACT), CONTRACT)


def test_each_line_gets_its_reason(validated):
    got = {r["_record_hash"]: r["reason"] for r in validated.select("_record_hash", "reason").collect()}
    assert got == {str(i): reason for i, (_, reason) in enumerate(CASES)}


def test_bronze_and_quarantine_split_the_lines_without_loss(validated):
    bronze, quarantine = to_bronze(validated, CONTRACT), to_quarantine(validated)
    assert bronze.count() + quarantine.count() == len(CASES)
    assert {r.raw_text for r in quarantine.collect()} == {text for text, reason in CASES if reason}
    assert bronze.columns[:4] == ["op", "ts_ms", "before", "after"]


def test_a_property_the_contract_does_not_know_is_kept_not_dropped(validated):
    rescued = [r._rescued_data for r in to_bronze(validated, CONTRACT).collect() if r._rescued_data]
    assert rescued == [{"coupon_code": "NEW11"}]


AD_SPEND = load_contract("ad_spend")
DOUYIN_HEADER = ",".join(AD_SPEND.variants["douyin"])
CSV_CASES = [  # (file, line, reason); header lines are not records
    ("douyin-2026-11-20.csv", DOUYIN_HEADER, "header"),
    ("douyin-2026-11-20.csv", "2026-11-20,C0001,双11预热,1000,50,123.45", None),
    ("douyin-2026-11-20.csv", '2026-11-20,C0002,"逗号,名称",1000,50,1.00', None),
    ("douyin-2026-11-20.csv", "2026-11-20,C0003,x,1000,50", "malformed_csv"),
    ("douyin-2026-11-20.csv", "2026-11-20,,x,1000,50,1.00", "missing_required:campaign_id"),
    ("douyin-2026-11-20.csv", "2026-11-20,C0004,x,many,50,1.00", "bad_type:impressions"),
    ("douyin-2026-11-20.csv", "2026-11-20,C0005,x,1000,50,-1.00", "out_of_range:spend_yuan"),
    ("douyin-2026-11-20.csv", "not-a-date,C0006,x,1000,50,1.00", "bad_type:spend_date"),
    ("baidu-2026-11-20.csv", "2026-11-20,B1,计划,10,1,9.90", None),
    ("tiktok-2026-11-20.csv", "2026-11-20,T1,x,10,1,9.90", "unknown_variant"),
]


@pytest.fixture(scope="module")
def validated_csv(spark):
    raw = spark.createDataFrame([(text, f"ad_spend/2026-11-20/{file}", str(i)) for i, (file, text, _) in
                                 enumerate(CSV_CASES)], "value string, _source_file string, _record_hash string")
    return validate(parse_lines(raw, AD_SPEND), AD_SPEND)


def test_each_csv_line_gets_its_reason_and_headers_are_not_records(validated_csv):
    got = {r["_record_hash"]: r["reason"] for r in validated_csv.select("_record_hash", "reason").collect()}
    assert got == {str(i): reason for i, (_, _, reason) in enumerate(CSV_CASES) if reason != "header"}


def test_each_platform_layout_lands_in_the_contract_columns(validated_csv):
    rows = {r.campaign_id: r for r in validated_csv.where("reason is null").select("_row.*").collect()}
    assert rows["C0001"].platform == "douyin" and str(rows["C0001"].spend_yuan) == "123.45"
    assert rows["C0002"].campaign_name == "逗号,名称"
    assert rows["B1"].platform == "baidu" and rows["B1"].impressions == 10 and rows["B1"].clicks == 1
