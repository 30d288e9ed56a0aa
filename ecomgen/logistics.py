"""Carrier events for the shop's shipments and returns, derived from the orders' histories.

When the OMS marks an order shipped the carrier creates the waybill and picks
the parcel up, then scans it in transit, and reports the delivery the OMS
records. The promise to the customer is two or three days from the order, so
some deliveries are late. An order refunded after shipping comes back as a
return with a reason. Events are delivered on the day they happen, so each day
is the orders placed in the last ``LATEST_CHANGE_DAYS`` days, filtered by date.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import accumulate

from ecomgen.model import (
    Day,
    DeliveryFile,
    Record,
    bad_json_records,
    iso,
    json_line,
    midnight,
    parts,
    scatter,
)
from ecomgen.orders import LATEST_CHANGE_DAYS, OrderHistory, orders_placed_on
from ecomlake.contracts import load_contract

CONTRACT = load_contract("logistics")
CARRIERS = CONTRACT.field("carrier").allowed
CARRIER_SHARES = tuple(accumulate((35, 25, 20, 15, 5)))
RETURN_REASONS = CONTRACT.field("return_reason").allowed
PROMISE_DAYS = (2, 3)
RETURN_HOURS = (24, 48)  # a return reaches the shop 1–2 days after it is requested


def _events(history: OrderHistory, seed: int, start: datetime, end: datetime) -> list[tuple[datetime, dict]]:
    """The carrier's events for one order that fall in [start, end): none unless it was shipped."""
    times = {row["status"]: at for at, row in history.changes}
    shipped, delivered, refunded = times.get("shipped"), times.get("delivered"), times.get("refunded")
    if shipped is None or shipped >= end:
        return []
    last = refunded + timedelta(hours=RETURN_HOURS[1]) if refunded else delivered or shipped
    if last < start:
        return []
    order = history.order
    rng = random.Random(f"logistics:{seed}:{order['order_id']}")
    carrier, promise = rng.choices(CARRIERS, cum_weights=CARRIER_SHARES)[0], timedelta(days=rng.choice(PROMISE_DAYS))
    # Pick-up and the transit scan fall between the OMS's shipped and its next change.
    ends = delivered or refunded or shipped + timedelta(days=1)
    picked_up = shipped + (ends - shipped) * rng.uniform(0.05, 0.2)
    steps = [("shipment_created", shipped), ("picked_up", picked_up),
             ("in_transit", picked_up + (ends - picked_up) * rng.uniform(0.3, 0.7))]
    number, returns = order["order_id"].removeprefix("O"), {}
    if delivered:
        steps.append(("delivered", delivered))
    if refunded:  # the parcel comes back, whether refused on the way or returned after delivery
        returned = refunded + timedelta(hours=rng.uniform(*RETURN_HOURS))
        steps += [("return_requested", refunded), ("return_received", returned)]
        returns = {"return_id": f"RT{number}", "return_reason": rng.choice(RETURN_REASONS)}
    row = {"shipment_id": f"WB{number}", "order_id": order["order_id"], "carrier": carrier,
           "promised_at": iso(history.changes[0][0] + promise), "recipient_phone": order["shipping_phone"]}
    return [(at, {"event_id": f"LE{number}{n}", "event_type": kind, "event_time": iso(at), **row,
                  **(returns if kind.startswith("return") else {})})
            for n, (kind, at) in enumerate(steps) if start <= at < end]


def _good_rows(day: Day) -> list[dict]:
    start, end = midnight(day.day), midnight(day.day + timedelta(days=1))
    timed = [(at, event) for back in range(LATEST_CHANGE_DAYS)
             for history in orders_placed_on(day.day - timedelta(days=back), day.seed, day.scale, day.first_day)
             for at, event in _events(history, day.seed, start, end)]
    timed.sort(key=lambda pair: pair[0])
    return [{f.name: event.get(f.name) for f in CONTRACT.fields} for _, event in timed]


def deliver(day: Day) -> Iterator[DeliveryFile]:
    rows = _good_rows(day)
    good = [Record(json_line(row), row["event_id"]) for row in rows]
    bad = bad_json_records(CONTRACT, day, rows[:2_000], len(good)) if rows else []
    return parts("logistics", day.day, scatter(day.rng("logistics-delivery"), good, bad))
