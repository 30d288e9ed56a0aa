"""Coupon lifecycle events from the promotion service: templates, issue, hold-out, claim, redeem, expiry.

What the service decided (:mod:`ecomgen.promotions`: templates, each one's audience and its held-out
share, claims from campaign pages) and what the orders did with it (:mod:`ecomgen.orders`: redemptions by
holders who bought anyway, and orders a coupon induced). Every coupon not redeemed within its validity
expires: ``VALID_DAYS`` after it was taken, or a day after for the day's first template (a 24-hour flash
coupon). Each day's events are a pure function of the day, the orders placed on it and in the
``VALID_DAYS`` before, and the coupons taken then.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache

from ecomgen import people, promotions
from ecomgen.model import Day, DeliveryFile, Record, bad_json_records, iso, json_line, parts, scatter
from ecomgen.orders import orders_placed_on
from ecomgen.promotions import Coupon, user_segment
from ecomlake.contracts import load_contract

CONTRACT = load_contract("coupons")


def _redeemed(day: Day) -> list[tuple[Coupon, str, datetime]]:
    """(coupon, order id, time placed) of the orders placed on ``day`` with a coupon."""
    return [(h.coupon, h.order["order_id"], h.changes[0][0])
            for h in orders_placed_on(day.day, day.seed, day.scale, day.first_day) if h.coupon]


def _expiring(day: Day) -> list[Coupon]:
    """Coupons taken since the history began, never redeemed, whose validity ends on ``day``."""
    taken = [then for then in promotions.wallet_days(day)
             if then.day + timedelta(days=promotions.FLASH_VALID_DAYS) <= day.day]
    redeemed = {coupon.coupon_id for then in promotions.wallet_days(day) for coupon, _, _ in _redeemed(then)}
    return [c for then in taken for c in promotions.taken_on(then)
            if c.valid_until.date() == day.day and c.coupon_id not in redeemed]


def _coupon_row(event_type: str, at: datetime, coupon: Coupon, seed: int, order_id: str | None = None) -> dict:
    segment = user_segment(seed, coupon.account) if event_type == "claimed" else None
    return {"event_type": event_type, "event_time": iso(at), **coupon.template.fields(),
            "coupon_id": coupon.coupon_id, "user_id": people.user_id(coupon.account), "user_segment": segment,
            "order_id": order_id, "valid_until": iso(coupon.valid_until)}


def _held_out_row(held: promotions.HeldOut) -> dict:
    return {"event_type": "held_out", "event_time": iso(held.at), **held.template.fields(),
            "user_id": people.user_id(held.account)}


@lru_cache(maxsize=2)
def _rows(day: Day) -> tuple[dict, ...]:
    """The day's events in time order, as rows in contract field order with their event ids."""
    events = [{"event_type": "template_created", "event_time": iso(t.created), **t.fields()}
              for t in promotions.templates_created_on(day.seed, day.day)]
    events += [_coupon_row(coupon.how, coupon.taken, coupon, day.seed) for coupon in promotions.taken_on(day)]
    events += [_held_out_row(held) for held in promotions.sent(day)[1]]
    events += [_coupon_row("redeemed", placed, coupon, day.seed, order_id)
               for coupon, order_id, placed in _redeemed(day)]
    events += [_coupon_row("expired", c.valid_until, c, day.seed) for c in _expiring(day)]
    events.sort(key=lambda e: e["event_time"])
    for n, event in enumerate(events):
        event["event_id"] = f"CE{day.day:%Y%m%d}{n:07d}"
    return tuple({f.name: event.get(f.name) for f in CONTRACT.fields} for event in events)


def deliver(day: Day) -> Iterator[DeliveryFile]:
    rows = _rows(day)
    good = [Record(json_line(row), row["event_id"]) for row in rows]
    bad = bad_json_records(CONTRACT, day, list(rows[:2_000]), len(good))
    return parts("coupons", day.day, scatter(day.rng("coupons-delivery"), good, bad))


def truth(day: Day) -> dict:
    """Coupons claimed on ``day`` by users outside the template's target segment; how many expired; and the
    holdout's truth: each new template's true lift and audience, the orders placed today only because of a
    sent coupon, and those whose buyer used a sent coupon on an order they would have placed anyway."""
    rows = _rows(day)
    issued, held_out = promotions.sent(day)
    histories = orders_placed_on(day.day, day.seed, day.scale, day.first_day)
    sent_used = [h for h in histories if h.coupon and h.coupon.how == "issued"]
    return {"non_target_claims": sorted(r["coupon_id"] for r in rows
                                        if r["event_type"] == "claimed" and r["user_segment"] != r["target_segment"]),
            "expired_coupons": sum(r["event_type"] == "expired" for r in rows),
            "holdout": {
                "templates": {t.template_id: {"lift": t.lift,
                                              "sent": sum(c.template == t for c in issued),
                                              "held_out": sum(h.template == t for h in held_out)}
                              for t in promotions.templates_created_on(day.seed, day.day)},
                "induced_orders": {h.order["order_id"]: h.coupon.template.template_id
                                   for h in sent_used if h.induced},
                "used_anyway": {h.order["order_id"]: h.coupon.template.template_id
                                for h in sent_used if not h.induced}}}
