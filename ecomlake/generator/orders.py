"""Orders CDC events as the OMS emits them, with the quirks the pipeline must survive.

Each delivery day is a pure function of (seed, scale, day): the orders placed on
a day are drawn from a generator seeded by that day, and their later status
changes land in the files of the following days, so any day can be generated
on its own and still agree with its neighbours.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ecomlake.contracts import Reason, load_contract

CONTRACT = load_contract("orders")
CHANNELS = CONTRACT.field("channel").allowed
CHANNEL_WEIGHTS = (30, 20, 10, 15, 10, 10, 5)
ORDERS_PER_DAY_AT_SCALE_1 = 100_000
USERS_AT_SCALE_1 = 500_000
SKUS_AT_SCALE_1 = 20_000
# An order's last status change comes at most ~4 days after it is placed (paid, shipped
# within a day, delivered within two, refunded), plus one day of late delivery.
LATEST_CHANGE_DAYS = 6
CITIES = ("上海市浦东新区", "北京市朝阳区", "广州市天河区", "成都市武侯区", "杭州市西湖区", "武汉市洪山区")


@dataclass(frozen=True)
class Line:
    """One delivered line, and why it is bad if it is meant to be."""

    text: str
    order_id: str | None
    bad_reason: str | None = None


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def _ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def _sku_price_fen(sku_number: int) -> int:
    return 990 + (sku_number * 7919) % 49_000


def _user(rng: random.Random, users: int) -> tuple[str, str, str]:
    number = rng.randrange(users)
    phone = f"1{3 + number % 7}{number * 2654435761 % 10**9:09d}"
    address = f"{CITIES[number % len(CITIES)]}{number % 997}号"
    return f"U{number:08d}", phone, address


def _orders_placed_on(day: date, seed: int, scale: float) -> list[list[tuple[datetime, dict]]]:
    """The change history (event time, row) of every order placed on ``day``."""
    rng = random.Random(f"orders:{seed}:{day.isoformat()}")
    users = max(10, int(USERS_AT_SCALE_1 * scale))
    skus = max(10, int(SKUS_AT_SCALE_1 * scale))
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    histories = []
    for n in range(max(1, int(ORDERS_PER_DAY_AT_SCALE_1 * scale))):
        user_id, phone, address = _user(rng, users)
        created = midnight + timedelta(seconds=rng.randrange(86_400), milliseconds=rng.randrange(1000))
        items = []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            sku = rng.randrange(skus)
            items.append({"sku_id": f"SKU{sku:06d}", "quantity": rng.choice((1, 1, 2, 3)),
                          "unit_price_fen": _sku_price_fen(sku)})
        gross = sum(i["quantity"] * i["unit_price_fen"] for i in items)
        discount = rng.choice((0, 0, 0, 500, 1000, gross // 10))
        row = {
            "order_id": f"O{day:%Y%m%d}{n:07d}",
            "user_id": user_id,
            "channel": rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
            "status": "created",
            "created_at": _iso(created),
            "updated_at": _iso(created),
            "total_fen": gross - discount,
            "discount_fen": discount,
            "device_id": f"D{rng.randrange(users * 2):09d}",
            "shipping_phone": phone,
            "shipping_address": address,
            "items": items,
        }
        history = [(created, row)]
        at = created
        for status, chance, max_gap_s in (("paid", 0.85, 1_800), ("shipped", 0.9, 86_400),
                                          ("delivered", 0.9, 2 * 86_400)):
            if rng.random() > chance:
                ending = "cancelled" if status in ("paid", "shipped") else "refunded"
                if status != "paid" or rng.random() < 0.5:
                    at += timedelta(seconds=rng.randrange(60, 3_600))
                    history.append((at, {**row, "status": ending, "updated_at": _iso(at)}))
                break
            at += timedelta(seconds=rng.randrange(30, max_gap_s))
            history.append((at, {**row, "status": status, "updated_at": _iso(at)}))
        histories.append(history)
    return histories


def _event(op: str, ts: datetime, before: dict | None, after: dict | None) -> str:
    return json.dumps({"op": op, "ts_ms": _ms(ts), "before": before, "after": after},
                      ensure_ascii=False, separators=(",", ":"))


def _bad_lines(rng: random.Random, day: date, good: list[Line], count: int) -> list[Line]:
    """Deliberately broken lines, one kind after the other, each with the reason it must get."""
    bad = []
    for n in range(count):
        sample = json.loads(rng.choice(good).text)
        row = dict(sample["after"])
        row["order_id"] = f"BAD{day:%Y%m%d}{n:05d}"
        kind = n % 4
        if kind == 0:
            reason = Reason.MALFORMED_JSON.value
        elif kind == 1:
            row["order_id"] = None
            reason = f"{Reason.MISSING_REQUIRED}:order_id"
        elif kind == 2:
            row["total_fen"] = -row["total_fen"] - 1
            reason = f"{Reason.OUT_OF_RANGE}:total_fen"
        else:
            row["channel"] = "fax"
            reason = f"{Reason.NOT_ALLOWED}:channel"
        text = json.dumps({"op": "c", "ts_ms": sample["ts_ms"], "before": None, "after": row},
                          ensure_ascii=False, separators=(",", ":"))
        if kind == 0:  # the connector cut the line short
            text = text[: rng.randrange(20, 60)]
        bad.append(Line(text, row["order_id"], reason))
    return bad


def delivery(day: date, seed: int, scale: float) -> list[Line]:
    """Every line of the OMS feed delivered on ``day``, in delivery order."""
    rng = random.Random(f"orders-delivery:{seed}:{day.isoformat()}")
    lines: list[tuple[datetime, Line]] = []
    for back in range(LATEST_CHANGE_DAYS):
        placed = day - timedelta(days=back)
        for history in _orders_placed_on(placed, seed, scale):
            previous = None
            for at, row in history:
                event_rng = random.Random(f"{row['order_id']}:{row['status']}:{seed}")
                # 2% of events are delivered one day late; the rest on the day they happened.
                arrives = at.date() + timedelta(days=1 if event_rng.random() < 0.02 else 0)
                if arrives == day:
                    text = _event("c" if previous is None else "u", at, previous, row)
                    lines.append((at, Line(text, row["order_id"])))
                    if event_rng.random() < 0.01:  # the CDC connector replays an event
                        lines.append((at + timedelta(minutes=5), Line(text, row["order_id"])))
                previous = row
    lines.sort(key=lambda pair: pair[0])
    # Out of order within the day: a share of events swap places with a neighbour.
    ordered = [line for _, line in lines]
    for i in range(0, len(ordered) - 1, 7):
        if rng.random() < 0.3:
            ordered[i], ordered[i + 1] = ordered[i + 1], ordered[i]
    if not ordered:
        return []
    bad = _bad_lines(rng, day, ordered, max(4, len(ordered) // 500))
    for line in bad:
        ordered.insert(rng.randrange(len(ordered) + 1), line)
    return ordered
