import json
from datetime import date

from ecomlake.contracts import Reason, load_contract
from ecomlake.generator import orders

DAY = date(2026, 11, 20)


def test_same_seed_same_delivery_and_another_seed_another():
    first = [line.text for line in orders.delivery(DAY, seed=1, scale=0.002)]
    again = [line.text for line in orders.delivery(DAY, seed=1, scale=0.002)]
    other = [line.text for line in orders.delivery(DAY, seed=2, scale=0.002)]
    assert first == again
    assert first != other


def test_bad_records_are_labelled_with_the_reason_ingestion_must_give():
    lines = orders.delivery(DAY, seed=1, scale=0.005)
    bad = [line for line in lines if line.bad_reason]
    reasons = {line.bad_reason for line in bad}
    assert Reason.MALFORMED_JSON.value in reasons
    assert f"{Reason.MISSING_REQUIRED}:order_id" in reasons
    for line in bad:
        if line.bad_reason == Reason.MALFORMED_JSON.value:
            try:
                json.loads(line.text)
            except json.JSONDecodeError:
                continue
            raise AssertionError(f"line labelled malformed parses: {line.text}")


def test_good_events_follow_the_contract():
    contract = load_contract("orders")
    allowed_status = set(contract.field("status").allowed)
    for line in orders.delivery(DAY, seed=3, scale=0.002):
        if line.bad_reason:
            continue
        event = json.loads(line.text)
        assert event["op"] in ("c", "u")
        row = event["after"]
        assert set(row) == {f.name for f in contract.fields}
        assert row["status"] in allowed_status
        assert row["total_fen"] >= 0


def test_status_changes_can_arrive_out_of_order_and_be_replayed():
    lines = [json.loads(line.text) for line in orders.delivery(DAY, seed=5, scale=0.01) if not line.bad_reason]
    timestamps = [event["ts_ms"] for event in lines]
    assert any(a > b for a, b in zip(timestamps, timestamps[1:], strict=False)), "no out-of-order events"
    texts = [json.dumps(event, sort_keys=True) for event in lines]
    assert len(texts) > len(set(texts)), "no replayed events"
