"""Payment gateway events derived from the orders' histories, delivered on the day they happen.

Each change of an order to ``paid`` is a successful payment of its total, sometimes after
a failed attempt under the same idempotency key; each change to ``refunded`` is a refund
of at most what was paid. The gateway sends some success notifications twice.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from ecomgen import orders
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
from ecomlake.contracts import load_contract

CONTRACT = load_contract("payments")
METHODS = CONTRACT.field("method").allowed
METHOD_WEIGHTS = (45, 40, 8, 7)
# Channels that only take one way of paying.
CHANNEL_METHOD = {"tmall": "alipay", "mini_program": "wechat_pay"}
RETRY_SHARE, DOUBLE_NOTIFY_SHARE, FULL_REFUND_SHARE = 0.08, 0.03, 0.6
RETRY_WINDOW = timedelta(seconds=30)  # a declined attempt comes at most this long before the payment


def _payment_id(seed: int, order_id: str, attempt: str) -> str:
    return "PY" + hashlib.md5(f"{seed}:{order_id}:{attempt}".encode()).hexdigest()[:20].upper()


def _events(history: orders.OrderHistory, seed: int) -> list[tuple[datetime, dict]]:
    """Every gateway event of one order, whenever it happens (a pure function of the order)."""
    order = history.order
    order_id = order["order_id"]
    rng = random.Random(f"payments:{seed}:{order_id}")
    method = CHANNEL_METHOD.get(order["channel"]) or rng.choices(METHODS, METHOD_WEIGHTS)[0]
    created = datetime.fromisoformat(order["created_at"])
    events = []

    def event(attempt: str, key: str, kind: str, status: str, amount: int, at: datetime) -> None:
        events.append((at, {"payment_id": _payment_id(seed, order_id, attempt), "idempotency_key": key,
                            "order_id": order_id, "user_id": order["user_id"], "event_type": kind,
                            "status": status, "method": method, "amount_fen": amount, "event_time": iso(at)}))

    paid = 0
    for at, row in history.changes:
        if row["status"] == "paid":
            paid = row["total_fen"]
            window_ms = int(min(RETRY_WINDOW, at - created) / timedelta(milliseconds=1))
            if window_ms > 1 and rng.random() < RETRY_SHARE:  # a declined attempt a few seconds before
                event("pay-1", f"pay-{order_id}", "payment", "failed", paid,
                      at - timedelta(milliseconds=rng.randrange(1, window_ms)))
            event("pay-2", f"pay-{order_id}", "payment", "succeeded", paid, at)
            if rng.random() < DOUBLE_NOTIFY_SHARE:
                events.append(events[-1])
        elif row["status"] == "refunded":
            amount = paid if rng.random() < FULL_REFUND_SHARE else paid * rng.randrange(10, 91) // 100
            event("refund-1", f"refund-{order_id}", "refund", "succeeded", amount, at)
    return events


def _rows(day: Day) -> list[dict]:
    """The gateway events of ``day``, in time order, from the orders that can still change on it."""
    start = midnight(day.day)
    end = start + timedelta(days=1) + RETRY_WINDOW
    timed = []
    for back in range(orders.LATEST_CHANGE_DAYS):
        for history in orders.orders_placed_on(day.day - timedelta(days=back), day.seed, day.scale, day.first_day):
            if any(start <= at < end for at, _ in history.changes):
                timed.extend(pair for pair in _events(history, day.seed) if pair[0].date() == day.day)
    timed.sort(key=lambda pair: pair[0])
    return [row for _, row in timed]


def deliver(day: Day) -> Iterator[DeliveryFile]:
    """Every gateway event of ``day`` in the order it happened, a few broken lines among them."""
    rows = _rows(day)
    good = [Record(json_line(row), row["payment_id"]) for row in rows]
    bad = bad_json_records(CONTRACT, day, rows[:2000], len(good)) if rows else []
    return parts("payments", day.day, scatter(day.rng("payments"), good, bad))


def truth(day: Day) -> dict:
    """Idempotency keys with a declined attempt before the payment, and the refunds, of ``day``."""
    rows = _rows(day)
    return {"retried_payments": sorted({r["idempotency_key"] for r in rows if r["status"] == "failed"}),
            "refunds": sorted({r["payment_id"] for r in rows if r["event_type"] == "refund"})}
