"""Coupon lifecycle events from the promotion service: templates, issue, claim, redeem, expiry.

A few templates a day, each aimed at one segment of users and claimable for a
week. The service pushes coupons to the target segment (``issued``) and users
take them from campaign pages (``claimed``), about 15% of them users outside
the segment. Redemptions are the orders placed that day with a fixed discount
(the OMS's 5 and 10 yuan discounts are coupons), taken by the order's buyer
earlier that day; every other coupon expires unredeemed ``VALID_DAYS`` later,
or a day later for the day's first template (a 24-hour flash coupon).
Each day's events are a pure function of the day, the orders placed on it and
the coupons taken in the ``VALID_DAYS`` before.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache, lru_cache

from ecomgen import people
from ecomgen.campaigns import campaigns
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
from ecomgen.orders import orders_placed_on
from ecomlake.contracts import load_contract

CONTRACT = load_contract("coupons")
SEGMENTS = CONTRACT.field("user_segment").allowed
# Targets a user's segment can match: an ``all`` template would make silver's is_target_claim false for everyone.
TARGETS = tuple(s for s in CONTRACT.field("target_segment").allowed if s in SEGMENTS)
TEMPLATES_PER_DAY, ACTIVE_DAYS, VALID_DAYS, FLASH_VALID_DAYS = 3, 7, 3, 1
ISSUED_AT_SCALE_1, CLAIMED_AT_SCALE_1 = 30_000, 20_000
NON_TARGET_SHARE, REDEEMED_SHARE = 0.15, 0.5
FACE_VALUES_FEN = (500, 1000)  # the OMS's fixed discounts
MIN_SPEND_FEN = (0, 4_900, 9_900, 19_900)


@dataclass(frozen=True)
class Template:
    template_id: str
    created: datetime
    target_segment: str
    face_value_fen: int
    min_spend_fen: int
    campaign_id: str
    valid_days: int

    def fields(self) -> dict:
        """What every event of the template carries."""
        return {"template_id": self.template_id, "campaign_id": self.campaign_id,
                "target_segment": self.target_segment, "face_value_fen": self.face_value_fen,
                "min_spend_fen": self.min_spend_fen}


@dataclass(frozen=True)
class Coupon:
    coupon_id: str
    template: Template
    account: int
    taken: datetime
    how: str  # issued or claimed

    @property
    def valid_until(self) -> datetime:
        return self.taken + timedelta(days=self.template.valid_days)


def user_segment(seed: int, account: int) -> str:
    """An account's marketing segment: fixed per account, so a claim's segment is checkable."""
    bucket = (account * 2_654_435_761 + seed * 97) % 100
    return "vip" if bucket < 8 else "new_users" if bucket < 28 else "lapsed" if bucket < 45 else "regular"


@cache
def templates_created_on(seed: int, day: date) -> tuple[Template, ...]:
    rng = random.Random(f"coupon-templates:{seed}:{day.isoformat()}")
    offers = campaigns(seed)
    return tuple(
        Template(f"T{day:%Y%m%d}{n:02d}", midnight(day) + timedelta(seconds=rng.randrange(3_600)),
                 rng.choice(TARGETS), rng.choice(FACE_VALUES_FEN), rng.choice(MIN_SPEND_FEN),
                 rng.choice(offers).campaign_id, FLASH_VALID_DAYS if n == 0 else VALID_DAYS)
        for n in range(TEMPLATES_PER_DAY)
    )


def _active_templates(day: Day) -> list[Template]:
    """Templates claimable on ``day``: created in the last week, but not before the history began."""
    first = max(day.first_day, day.day - timedelta(days=ACTIVE_DAYS - 1))
    return [template for back in range((day.day - first).days + 1)
            for template in templates_created_on(day.seed, first + timedelta(days=back))]


def _account_in(rng: random.Random, day: Day, wanted: bool, segment: str) -> int:
    """A random account whose segment is (``wanted``) or is not ``segment``."""
    while True:
        account = people.active_account(rng, day.scale)
        if (user_segment(day.seed, account) == segment) == wanted:
            return account


@lru_cache(maxsize=VALID_DAYS + 1)  # a day's coupons are needed again when they expire
def _unredeemed(day: Day) -> tuple[Coupon, ...]:
    """Coupons issued or claimed on ``day`` that are never redeemed (they expire)."""
    rng = day.rng("coupons-wallet")
    templates = _active_templates(day)
    coupons = []
    for how, count in (("issued", day.count(ISSUED_AT_SCALE_1)), ("claimed", day.count(CLAIMED_AT_SCALE_1))):
        for _ in range(count):
            template = rng.choice(templates)
            in_target = how == "issued" or rng.random() >= NON_TARGET_SHARE
            taken = midnight(day.day) + timedelta(hours=1, seconds=rng.randrange(23 * 3_600),
                                                  milliseconds=rng.randrange(1_000))
            coupons.append(Coupon(f"CP{day.day:%Y%m%d}{len(coupons):07d}", template,
                                  _account_in(rng, day, in_target, template.target_segment), taken, how))
    return tuple(coupons)


def _redeemed(day: Day) -> list[tuple[Coupon, str, datetime]]:
    """(coupon, order id, time placed) of orders placed on ``day`` with a coupon's discount.

    The buyer took the coupon earlier that day: pushed to them when they are in
    the template's segment, else (now and then) claimed from outside it.
    """
    rng = day.rng("coupons-redeemed")
    templates = _active_templates(day)
    out = []
    for history in orders_placed_on(day.day, day.seed, day.scale, day.first_day):
        order, placed = history.order, history.changes[0][0]
        if order["discount_fen"] not in FACE_VALUES_FEN or rng.random() >= REDEEMED_SHARE or not order["user_id"]:
            continue  # a guest checkout holds no coupon
        account = int(order["user_id"].removeprefix("U"))
        fitting = [t for t in templates if t.face_value_fen == order["discount_fen"]
                   and t.min_spend_fen <= order["total_fen"] + order["discount_fen"]
                   and t.created < placed - timedelta(minutes=1)]
        targeted = [t for t in fitting if t.target_segment == user_segment(day.seed, account)]
        if not targeted and (not fitting or rng.random() >= NON_TARGET_SHARE):
            continue
        template = rng.choice(targeted or fitting)
        how = "issued" if targeted and rng.random() < 0.5 else "claimed"
        taken = max(placed - timedelta(seconds=rng.randrange(60, 7_200)), template.created + timedelta(seconds=1),
                    midnight(day.day))
        out.append((Coupon(f"CP{day.day:%Y%m%d}R{len(out):06d}", template, account, taken, how), order["order_id"],
                    placed))
    return out


def _expiring(day: Day) -> list[Coupon]:
    """Unredeemed coupons taken since the history began whose validity ends on ``day``."""
    taken = [replace(day, day=day.day - timedelta(days=back)) for back in sorted({FLASH_VALID_DAYS, VALID_DAYS})]
    return [c for then in taken if then.day >= day.first_day for c in _unredeemed(then)
            if c.valid_until.date() == day.day]


def _coupon_row(event_type: str, at: datetime, coupon: Coupon, seed: int, order_id: str | None = None) -> dict:
    segment = user_segment(seed, coupon.account) if event_type == "claimed" else None
    return {"event_type": event_type, "event_time": iso(at), **coupon.template.fields(),
            "coupon_id": coupon.coupon_id, "user_id": people.user_id(coupon.account), "user_segment": segment,
            "order_id": order_id, "valid_until": iso(coupon.valid_until)}


@lru_cache(maxsize=2)
def _rows(day: Day) -> tuple[dict, ...]:
    """The day's events in time order, as rows in contract field order with their event ids."""
    events = [{"event_type": "template_created", "event_time": iso(t.created), **t.fields()}
              for t in templates_created_on(day.seed, day.day)]
    for coupon in _unredeemed(day):
        events.append(_coupon_row(coupon.how, coupon.taken, coupon, day.seed))
    for coupon, order_id, placed in _redeemed(day):
        events.append(_coupon_row(coupon.how, coupon.taken, coupon, day.seed))
        events.append(_coupon_row("redeemed", placed, coupon, day.seed, order_id))
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
    """Coupons claimed on ``day`` by users outside the template's target segment; how many expired."""
    rows = _rows(day)
    return {"non_target_claims": sorted(r["coupon_id"] for r in rows
                                        if r["event_type"] == "claimed" and r["user_segment"] != r["target_segment"]),
            "expired_coupons": sum(r["event_type"] == "expired" for r in rows)}
