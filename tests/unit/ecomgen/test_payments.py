import json
import re
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest

from ecomgen import orders, payments
from ecomgen.model import Day
from ecomlake.contracts import Reason, load_contract

CONTRACT = load_contract("payments")
FIRST = date(2026, 11, 1)
SCALE = 0.005
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def day(index: int, seed: int = 1) -> Day:
    return Day(FIRST + timedelta(days=index), seed, SCALE, FIRST)


def records(d: Day) -> list:
    return [r for f in payments.deliver(d) for r in f.records]


def events(d: Day) -> list[dict]:
    return [json.loads(r.text) for r in records(d) if not r.bad_reason]


def changes(d: Day, status: str) -> dict[str, dict]:
    """Orders whose change to ``status`` happened on ``d``, with the row after it."""
    found = {}
    for back in range(orders.LATEST_CHANGE_DAYS):
        for history in orders.orders_placed_on(d.day - timedelta(days=back), d.seed, d.scale, d.first_day):
            found.update({row["order_id"]: row for at, row in history.changes
                          if row["status"] == status and at.date() == d.day})
    return found


def paid_totals(d: Day) -> dict[str, int]:
    """What every order that can still be refunded on ``d`` was paid."""
    days = (replace(d, day=d.day - timedelta(days=back)) for back in range(orders.LATEST_CHANGE_DAYS))
    return {order_id: row["total_fen"] for past in days for order_id, row in changes(past, "paid").items()}


def test_same_day_same_text_and_another_seed_another():
    assert [r.text for r in records(day(2))] == [r.text for r in records(day(2))]
    assert [r.text for r in records(day(2))] != [r.text for r in records(day(2, seed=2))]


def test_good_events_obey_the_contract_and_happen_on_the_delivery_day():
    d = day(1)
    for record in records(d):
        if record.bad_reason:
            assert record.key is None
            continue
        event = json.loads(record.text)
        assert list(event) == [f.name for f in CONTRACT.fields]
        assert record.key == event["payment_id"]
        for spec in CONTRACT.fields:
            assert event[spec.name] is not None or not spec.required
            assert not spec.allowed or event[spec.name] in spec.allowed
        assert type(event["amount_fen"]) is int and event["amount_fen"] >= 0
        assert ISO.match(event["event_time"]) and event["event_time"].startswith(d.day.isoformat())


def test_every_paid_order_of_the_day_has_one_succeeded_payment_of_its_total():
    d = day(1)
    paid = changes(d, "paid")
    succeeded = {e["order_id"]: e for e in events(d) if e["event_type"] == "payment" and e["status"] == "succeeded"}
    assert paid and set(succeeded) == set(paid)
    for order_id, row in paid.items():
        event = succeeded[order_id]
        assert (event["amount_fen"], event["user_id"]) == (row["total_fen"], row["user_id"])
        assert event["idempotency_key"] == f"pay-{order_id}"


def test_a_failed_attempt_is_retried_with_the_same_idempotency_key():
    by_key: dict[str, list[dict]] = {}
    for event in events(day(1)):
        if event["event_type"] == "payment":
            by_key.setdefault(event["idempotency_key"], []).append(event)
    retried = [attempts for attempts in by_key.values() if attempts[0]["status"] == "failed"]
    assert retried
    for failed, succeeded, *_ in retried:
        assert succeeded["status"] == "succeeded" and failed["payment_id"] != succeeded["payment_id"]
        assert failed["event_time"] < succeeded["event_time"]


def test_some_notifications_come_twice_and_payment_ids_are_unique_per_attempt():
    lines = Counter(r.text for r in records(day(1)) if not r.bad_reason)
    assert any(count == 2 for count in lines.values())
    ids = Counter(json.loads(text)["payment_id"] for text in lines)
    assert set(ids.values()) == {1}


def test_refunds_never_exceed_what_was_paid():
    d = day(3)
    refunded = changes(d, "refunded")
    refunds = {e["order_id"]: e for e in events(d) if e["event_type"] == "refund"}
    assert refunds and set(refunds) == set(refunded)
    paid = paid_totals(d)
    assert all(0 <= e["amount_fen"] <= paid[order_id] for order_id, e in refunds.items())
    assert any(e["amount_fen"] < paid[order_id] for order_id, e in refunds.items()), "no partial refund"


def test_bad_lines_are_labelled_and_few():
    reasons = set()
    for index in range(4):
        lines = records(day(index))
        bad = [r for r in lines if r.bad_reason]
        assert bad and len(bad) <= CONTRACT.max_quarantine_share * len(lines)
        for record in bad:
            if record.bad_reason == Reason.MALFORMED_JSON:
                with pytest.raises(json.JSONDecodeError):
                    json.loads(record.text)
            else:
                assert record.bad_reason.split(":")[1] in json.loads(record.text)
        reasons |= {r.bad_reason for r in bad}
    assert {Reason.MALFORMED_JSON, f"{Reason.MISSING_REQUIRED}:payment_id", f"{Reason.OUT_OF_RANGE}:amount_fen",
            f"{Reason.BAD_TYPE}:event_time"} <= reasons
