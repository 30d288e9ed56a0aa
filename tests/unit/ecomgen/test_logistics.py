import json
import re
from collections import defaultdict
from datetime import date, timedelta
from functools import cache

from ecomgen import logistics
from ecomgen.model import Day, breakages
from ecomgen.orders import orders_placed_on
from ecomlake.contracts import load_contract

FIRST = date(2026, 11, 20)
CONTRACT = load_contract("logistics")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
DAYS = 6


def day(index: int = 0, seed: int = 1, scale: float = 0.003) -> Day:
    return Day(FIRST + timedelta(days=index), seed, scale, FIRST)


@cache
def records(d: Day) -> tuple:
    return tuple(r for f in logistics.deliver(d) for r in f.records)


@cache
def events(d: Day) -> tuple[dict, ...]:
    return tuple(json.loads(r.text) for r in records(d) if not r.bad_reason)


@cache
def orders() -> dict[str, dict]:
    """The last state of every order whose events the first ``DAYS`` deliveries can hold."""
    return {h.order["order_id"]: {**h.last, "_times": {row["status"]: row["updated_at"] for _, row in h.changes}}
            for offset in range(-logistics.LATEST_CHANGE_DAYS, DAYS)
            for h in orders_placed_on(FIRST + timedelta(days=offset), 1, 0.003, FIRST)}


@cache
def shipments() -> dict[str, list[dict]]:
    """Every shipment's events over the first ``DAYS`` deliveries, in time order."""
    out = defaultdict(list)
    for index in range(DAYS):
        for e in events(day(index)):
            out[e["shipment_id"]].append(e)
    return {k: sorted(v, key=lambda e: e["event_time"]) for k, v in out.items()}


def test_same_day_same_text_another_seed_other_text():
    texts = [r.text for r in records(day())]
    assert texts == [r.text for f in logistics.deliver(day()) for r in f.records]
    assert texts != [r.text for r in records(day(seed=2))]


def test_good_events_obey_the_contract_and_happen_on_the_delivery_day():
    for index in (0, 3):
        good = [r for r in records(day(index)) if not r.bad_reason]
        assert len({r.key for r in good}) == len(good) > 100
        for record, event in zip(good, events(day(index)), strict=True):
            assert record.key == event["event_id"] and list(event) == [f.name for f in CONTRACT.fields]
            for spec in CONTRACT.fields:
                value = event[spec.name]
                if value is None:
                    assert not spec.required, (spec.name, event)
                    continue
                assert not spec.allowed or value in spec.allowed, (spec.name, event)
                assert spec.type != "timestamp" or ISO.match(value), (spec.name, event)
            assert event["event_time"][:10] == day(index).day.isoformat()


def test_bad_records_carry_a_reason_ingestion_can_detect():
    bad = [r for r in records(day()) if r.bad_reason]
    assert bad and {r.bad_reason for r in bad} <= {kind[0] for kind in breakages(CONTRACT)}


def test_shipments_follow_the_orders_and_go_to_the_orders_phone():
    placed = orders()
    assert len(shipments()) > 100
    for events_ in shipments().values():
        order = placed[events_[0]["order_id"]]
        assert {e["order_id"] for e in events_} == {order["order_id"]}
        assert {e["recipient_phone"] for e in events_} == {order["shipping_phone"]}
        assert len({(e["carrier"], e["promised_at"]) for e in events_}) == 1
        times = order["_times"]
        lifecycle = ["shipment_created", "picked_up", "in_transit", *(["delivered"] if "delivered" in times else []),
                     *(["return_requested", "return_received"] if "refunded" in times else [])]
        kinds = [e["event_type"] for e in events_]  # the part of the lifecycle these six days saw
        assert any(kinds == lifecycle[i:i + len(kinds)] for i in range(len(lifecycle))), kinds
        at = {e["event_type"]: e["event_time"] for e in events_}
        assert at.get("shipment_created", times["shipped"]) == times["shipped"]
        assert at.get("delivered", times.get("delivered")) == times.get("delivered")
        assert at.get("return_requested", times.get("refunded")) == times.get("refunded")


def test_some_deliveries_break_their_promise():
    delivered = [e for events_ in shipments().values() for e in events_ if e["event_type"] == "delivered"]
    late = [e for e in delivered if e["event_time"] > e["promised_at"]]
    assert 0.03 < len(late) / len(delivered) < 0.3


def test_refunded_orders_come_back_as_returns_with_a_reason():
    returns = defaultdict(list)
    for events_ in shipments().values():
        for e in events_:
            is_return = e["event_type"].startswith("return")
            assert (e["return_id"] is not None) == (e["return_reason"] is not None) == is_return
            if e["return_id"]:
                returns[e["return_id"]].append(e)
    assert len(returns) > 5
    for events_ in returns.values():
        assert orders()[events_[0]["order_id"]]["status"] == "refunded"
        assert len({e["return_reason"] for e in events_}) == 1
    complete = [r for r in returns.values() if [e["event_type"] for e in r] == ["return_requested", "return_received"]]
    assert len(complete) > 3
