"""Orders CDC events as the OMS emits them, with the quirks the pipeline must survive.

The orders placed on a day are drawn from a generator seeded by that day
(:func:`orders_placed_on`), and their later status changes land in the files of
the following days, so any day can be generated on its own and still agree with
its neighbours. Payments, logistics, coupons, clickstream and service derive
their facts from the same histories.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from ecomgen import brushing, people, pricing, promotions
from ecomgen.model import (
    Day,
    DeliveryFile,
    Record,
    bad_json_records,
    iso,
    json_line,
    midnight,
    ms,
    parts,
    scatter,
)
from ecomlake.contracts import load_contract

CONTRACT = load_contract("orders")
CHANNELS = CONTRACT.field("channel").allowed
CHANNEL_WEIGHTS = (30, 20, 10, 15, 10, 10, 5)
OWN_CHANNELS, OWN_CHANNEL_WEIGHTS = CHANNELS[:3], CHANNEL_WEIGHTS[:3]  # app, mini-program, web
PROMOTION_SHARE = 1 / 6  # of ordinary orders get 10% off: promotions that are no coupon
ORDERS_PER_DAY_AT_SCALE_1 = 100_000
SKUS_AT_SCALE_1 = 20_000
# An order's last status change comes at most ~4 days after it is placed (paid, shipped
# within a day, delivered within two, refunded), plus one day of late delivery.
LATEST_CHANGE_DAYS = 6
# Where parcels go besides the buyer: a pick-up station (its phone typed in by hundreds), a gift.
PICKUP_SHARE, GIFT_SHARE = 0.05, 0.06
# Guest checkouts: no account, only the phone the parcel goes to. Half are customers who did not log in
# (their own phone and device), half the person they send gifts to, when that person has no account.
GUEST_SHARE = 0.03
# Test orders: staff ring up a sale at a store's till to check it, and the OMS purges it within hours (op d).
TEST_ORDERS_PER_DAY_AT_SCALE_1, MIN_TEST_ORDERS = 20, 2
# Repricing: each SKU's list price is reviewed every REPRICE_DAYS (fewer at tiny scales, so a few change
# every day), on a day set by its number; successive reviews move it between two disjoint sets of levels.
REPRICE_DAYS, MIN_REPRICED_PER_DAY = 90, 2
LEVELS_PERCENT = ((100, 97, 102, 99), (94, 104, 107, 96))
# Discontinuation: about one SKU in 2000 a day (at least one), until half the catalog is gone; two are
# gone before the history begins.
RETIRED_PER_SKUS, RETIRED_BEFORE_START_DAYS = 2_000, 2


@dataclass(frozen=True)
class OrderHistory:
    """An order's rows after each change, with the event time of each change."""

    changes: tuple[tuple[datetime, dict], ...]
    is_brushing: bool = False
    scripted: bool = False  # a ring's phone went straight to the purchase, no browsing
    crowd: bool = False  # a crowd worker's task order (刷手), from their own phone: brushing, but no ring's
    deleted_at: datetime | None = None  # when the OMS purged it (test orders)
    coupon: promotions.Coupon | None = None  # the coupon it redeemed
    induced: bool = False  # placed only because of its coupon (the truth of the coupon holdout)

    @property
    def order(self) -> dict:
        return self.changes[0][1]

    @property
    def last(self) -> dict:
        return self.changes[-1][1]


def skus(scale: float) -> int:
    return max(10, int(SKUS_AT_SCALE_1 * scale))


def sku_id(number: int) -> str:
    return f"SKU{number:06d}"


def _reprice_days(scale: float) -> int:
    return max(2, min(REPRICE_DAYS, skus(scale) // MIN_REPRICED_PER_DAY))


def list_price_fen(sku_number: int, day: date, scale: float) -> int:
    """The catalog price of a SKU on a day: repriced every few weeks, and 10% off in its promotion week."""
    base = 990 + (sku_number * 7919) % 49_000
    review = (day.toordinal() + sku_number) // _reprice_days(scale)
    levels = LEVELS_PERCENT[review % 2]
    price = base * levels[random.Random(f"reprice:{sku_number}:{review}").randrange(len(levels))] // 100
    week = day.toordinal() // 7
    if sku_number % 9 == week % 9:
        return price * 9 // 10  # this week's promotion
    return price


@lru_cache(maxsize=8)
def retired_on(seed: int, scale: float, first_day: date) -> dict[int, date]:
    """SKU number → the first day it is discontinued, for the SKUs the catalog drops (half of it at most)."""
    count = skus(scale)
    per_day = max(1, count // RETIRED_PER_SKUS)
    order = random.Random(f"retire:{seed}").sample(range(count), count // 2)
    return {number: first_day + timedelta(days=position // per_day - RETIRED_BEFORE_START_DAYS)
            for position, number in enumerate(order)}


def on_sale(seed: int, scale: float, first_day: date, sku_number: int, day: date) -> bool:
    gone = retired_on(seed, scale, first_day).get(sku_number)
    return gone is None or day < gone


def _items(rng: random.Random, scale: float, day: date, seed: int, first_day: date) -> list[dict]:
    lines = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
        sku = rng.randrange(skus(scale))
        while not on_sale(seed, scale, first_day, sku, day):
            sku = rng.randrange(skus(scale))
        lines.append({"sku_id": sku_id(sku), "quantity": rng.choice((1, 1, 2, 3)),
                      "unit_price_fen": list_price_fen(sku, day, scale)})
    return lines


def _lifecycle(rng: random.Random, row: dict, created: datetime, instant: bool) -> list[tuple[datetime, dict]]:
    history = [(created, row)]
    at = created
    for status, chance, max_gap_s in (("paid", 0.85, 1_800), ("shipped", 0.9, 86_400),
                                      ("delivered", 0.9, 2 * 86_400)):
        if rng.random() > chance and not instant:
            ending = "cancelled" if status in ("paid", "shipped") else "refunded"
            if status != "paid" or rng.random() < 0.5:
                at += timedelta(seconds=rng.randrange(60, 3_600))
                history.append((at, {**row, "status": ending, "updated_at": iso(at)}))
            break
        at += timedelta(seconds=rng.randrange(2, 10) if instant and status == "paid" else rng.randrange(30, max_gap_s))
        history.append((at, {**row, "status": status, "updated_at": iso(at)}))
    return history


def _order_row(order_id: str, account: int | None, created: datetime, channel: str, items: list[dict],
               discount: int, device: str, ship_to: tuple[str, str]) -> dict:
    """An order as the OMS first records it; ``account`` is None for a guest checkout."""
    gross = sum(i["quantity"] * i["unit_price_fen"] for i in items)
    return {
        "order_id": order_id, "user_id": None if account is None else people.user_id(account),
        "channel": channel, "status": "created",
        "created_at": iso(created), "updated_at": iso(created), "total_fen": gross - min(discount, gross),
        "discount_fen": min(discount, gross), "device_id": device,
        "shipping_phone": ship_to[0], "shipping_address": ship_to[1], "items": items,
    }


def _recipient(seed: int, scale: float, order_id: str, who: people.Person) -> tuple[str, str]:
    """Phone and address the parcel goes to: the buyer's own, a pick-up station in their city, or the
    one person they send gifts to."""
    roll = people.draw(seed, "recipient", order_id)
    if roll < PICKUP_SHARE:
        return people.station(seed, who.city, int(people.draw(seed, "station", order_id) * people.STATIONS_PER_CITY))
    if roll < PICKUP_SHARE + GIFT_SHARE:
        gifted = people.relative(seed, who.number, scale)
        return gifted.phone, gifted.address
    return who.phone, who.address


def guest(seed: int, scale: float, order_id: str, who: people.Person) -> people.Person | None:
    """The person behind a guest checkout, or None when the order is placed from an account."""
    if people.draw(seed, "guest", order_id) >= GUEST_SHARE:
        return None
    gifted = people.relative(seed, who.number, scale)
    return gifted if gifted.number >= people.RELATIVES_FROM and people.draw(seed, "guest-who", order_id) < 0.5 \
        else who


@lru_cache(maxsize=8)
def _on_sale(day: date, seed: int, scale: float, first_day: date) -> tuple[int, ...]:
    return tuple(n for n in range(skus(scale)) if on_sale(seed, scale, first_day, n, day))


def _brushing(rng: random.Random, day: date, seed: int, scale: float, first_day: date, start: int
              ) -> list[OrderHistory]:
    """The rings' orders (:mod:`ecomgen.brushing`), in the app at the list price, paid within seconds; then the
    crowd workers', in the app at the price the shop charges them, from their own phones to their own homes."""
    histories = []
    targets = list(_on_sale(day, seed, scale, first_day))
    for n, fake in enumerate(brushing.ring_orders(day, seed, scale, targets)):
        line = {"sku_id": sku_id(fake.target), "quantity": 1, "unit_price_fen": list_price_fen(fake.target, day, scale)}
        phone = people.person(seed, people.owner(fake.account)).phone
        row = _order_row(f"O{day:%Y%m%d}{start + n:07d}", fake.account, fake.created, "app", [line], 0, fake.device,
                         (phone, fake.address))
        histories.append(OrderHistory(tuple(_lifecycle(rng, row, fake.created, instant=True)), is_brushing=True,
                                      scripted=fake.scripted))
    for task in brushing.crowd_orders(day, seed, scale, targets):
        who, order_id = people.person(seed, people.owner(task.account)), f"O{day:%Y%m%d}{start + len(histories):07d}"
        price = pricing.unit_price_fen(list_price_fen(task.target, day, scale), task.target, "app", task.created,
                                       who.city_tier, seed, (day - first_day).days)
        row = _order_row(order_id, task.account, task.created, "app",
                         [{"sku_id": sku_id(task.target), "quantity": 1, "unit_price_fen": price}], 0,
                         rng.choice(who.devices), _recipient(seed, scale, order_id, who))
        histories.append(OrderHistory(tuple(_lifecycle(rng, row, task.created, instant=False)), is_brushing=True,
                                      crowd=True))
    return histories


def _flash_sale(day: date, seed: int, scale: float, first_day: date, start: int) -> list[Draft]:
    """The day's flash sale (:mod:`ecomgen.brushing`): real buyers of one SKU within half an hour, in the own
    channels, each from their own device to their own address."""
    number, begins, buyers = brushing.flash_sale(day, seed, scale, list(_on_sale(day, seed, scale, first_day)))
    rng = random.Random(f"flash-sale-orders:{seed}:{day.isoformat()}")
    drafts = []
    for n, account in enumerate(buyers):
        who = people.person(seed, people.owner(account))
        created = begins + timedelta(seconds=rng.randrange(brushing.FLASH_SALE_MINUTES * 60),
                                     milliseconds=rng.randrange(1000))
        channel, order_id = rng.choices(OWN_CHANNELS, OWN_CHANNEL_WEIGHTS)[0], f"O{day:%Y%m%d}{start + n:07d}"
        price = pricing.unit_price_fen(list_price_fen(number, day, scale), number, channel, created, who.city_tier,
                                       seed, (day - first_day).days)
        drafts.append(Draft(order_id, account, created, channel,
                            ({"sku_id": sku_id(number), "quantity": 1, "unit_price_fen": price},),
                            rng.choice(who.devices), _recipient(seed, scale, order_id, who), 0))
    return drafts


@dataclass(frozen=True)
class Draft:
    """An order as the buyer puts it together, before any coupon: who, when, what, where to."""

    order_id: str
    account: int | None  # None for a guest checkout
    created: datetime
    channel: str
    items: tuple[dict, ...]
    device: str
    ship_to: tuple[str, str]
    promotion_fen: int  # a discount that is no coupon (the SKU's campaign price, 10% off)

    @property
    def gross_fen(self) -> int:
        return sum(i["quantity"] * i["unit_price_fen"] for i in self.items)


@lru_cache(maxsize=8)
def _drafts(day: date, seed: int, scale: float, first_day: date) -> tuple[Draft, ...]:
    """The day's ordinary orders: random account holders (and a few guests) buying at random times."""
    rng = random.Random(f"orders:{seed}:{day.isoformat()}")
    day_index = (day - first_day).days
    drafts = []
    for n in range(max(1, int(ORDERS_PER_DAY_AT_SCALE_1 * scale))):
        account = people.active_account(rng, scale)
        who = people.person(seed, people.owner(account))
        created = midnight(day) + timedelta(seconds=rng.randrange(86_400), milliseconds=rng.randrange(1000))
        listed = _items(rng, scale, day, seed, first_day)
        promoted = rng.random() < PROMOTION_SHARE
        order_id = f"O{day:%Y%m%d}{n:07d}"
        channel, device = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0], rng.choice(who.devices)
        items = [{**i, "unit_price_fen": pricing.unit_price_fen(i["unit_price_fen"], int(i["sku_id"][3:]), channel,
                                                                created, who.city_tier, seed, day_index)}
                 for i in listed]
        promotion = sum(i["unit_price_fen"] for i in items) // 10 if promoted else 0
        if (buyer := guest(seed, scale, order_id, who)) is not None:  # their own phone, their first device
            drafts.append(Draft(order_id, None, created, channel, tuple(items), buyer.devices[0],
                                (buyer.phone, buyer.address), 0))
        else:
            drafts.append(Draft(order_id, account, created, channel, tuple(items), device,
                                _recipient(seed, scale, order_id, who), promotion))
    return (*drafts, *_flash_sale(day, seed, scale, first_day, len(drafts)))


@lru_cache(maxsize=8)
def _drafts_by_account(day: date, seed: int, scale: float, first_day: date) -> dict[int, list[Draft]]:
    by_account: dict[int, list[Draft]] = defaultdict(list)
    for draft in _drafts(day, seed, scale, first_day):
        if draft.account is not None:
            by_account[draft.account].append(draft)
    return by_account


@lru_cache(maxsize=8)
def _wallets(day: Day) -> dict[int, list[promotions.Coupon]]:
    """Account → coupons that may still be valid on ``day``, in the order they were taken."""
    wallets: dict[int, list[promotions.Coupon]] = defaultdict(list)
    for then in promotions.wallet_days(day):
        for coupon in promotions.taken_on(then):
            wallets[coupon.account].append(coupon)
    for coupons in wallets.values():
        coupons.sort(key=lambda c: c.taken)
    return wallets


def _first_fitting(day: Day, coupon: promotions.Coupon) -> Draft | None:
    """The holder's first ordinary order a coupon fits, from the moment they took it up to ``day``."""
    for then in promotions.wallet_days(day):
        if then.day < coupon.taken.date():
            continue
        for draft in _drafts_by_account(then.day, day.seed, day.scale, day.first_day).get(coupon.account, ()):
            if coupon.valid_at(draft.created) and coupon.template.fits(draft.gross_fen):
                return draft
    return None


def _coupon_used(day: Day, draft: Draft) -> promotions.Coupon | None:
    """The coupon an ordinary order uses: the first one taken of those whose first fitting order it is and
    whose holder uses it when buying anyway."""
    for coupon in _wallets(day).get(draft.account, ()):
        if (coupon.valid_at(draft.created) and promotions.used_if_buying(day.seed, coupon)
                and _first_fitting(day, coupon) == draft):
            return coupon
    return None


def _induced(day: Day, start: int) -> list[OrderHistory]:
    """Orders coupons made their holders place on ``day``, in the own shop, spending at least the minimum."""
    rng = day.rng("orders-induced")
    due = sorted(((at, coupon) for then in promotions.wallet_days(day) for coupon in promotions.sent(then)[0]
                  if (at := promotions.induced_at(day.seed, coupon)) is not None and at.date() == day.day),
                 key=lambda pair: (pair[0], pair[1].coupon_id))
    histories = []
    for n, (created, coupon) in enumerate(due):
        who = people.person(day.seed, people.owner(coupon.account))
        items = _items(rng, day.scale, day.day, day.seed, day.first_day)
        while sum(i["quantity"] * i["unit_price_fen"] for i in items) < coupon.template.min_spend_fen:
            items += _items(rng, day.scale, day.day, day.seed, day.first_day)
        order_id = f"O{day.day:%Y%m%d}{start + n:07d}"
        row = _order_row(order_id, coupon.account, created, rng.choices(OWN_CHANNELS, OWN_CHANNEL_WEIGHTS)[0],
                         items, coupon.template.face_value_fen, rng.choice(who.devices),
                         _recipient(day.seed, day.scale, order_id, who))
        histories.append(OrderHistory(tuple(_lifecycle(rng, row, created, instant=False)), coupon=coupon,
                                      induced=True))
    return histories


@lru_cache(maxsize=8)
def orders_placed_on(day: date, seed: int, scale: float, first_day: date) -> tuple[OrderHistory, ...]:
    """The change history of every order placed on ``day``: ordinary orders (some with a coupon the buyer
    held), orders coupons induced, brushing rings' and staff's test orders."""
    today = Day(day, seed, scale, first_day)
    rng = random.Random(f"orders-lifecycle:{seed}:{day.isoformat()}")
    histories = []
    for draft in _drafts(day, seed, scale, first_day):
        coupon = _coupon_used(today, draft) if draft.account is not None else None
        discount = coupon.template.face_value_fen if coupon else draft.promotion_fen
        row = _order_row(draft.order_id, draft.account, draft.created, draft.channel, list(draft.items), discount,
                         draft.device, draft.ship_to)
        histories.append(OrderHistory(tuple(_lifecycle(rng, row, draft.created, instant=False)), coupon=coupon))
    histories += _induced(today, len(histories))
    brushing = _brushing(rng, day, seed, scale, first_day, len(histories))
    return (*histories, *brushing, *_test_orders(day, seed, scale, first_day, len(histories) + len(brushing)))


def _test_orders(day: date, seed: int, scale: float, first_day: date, start: int) -> list[OrderHistory]:
    """Till checks at stores: a staff account buys at the POS in opening hours, the OMS deletes it within hours."""
    rng = random.Random(f"test-orders:{seed}:{day.isoformat()}")
    histories = []
    for n in range(max(MIN_TEST_ORDERS, int(TEST_ORDERS_PER_DAY_AT_SCALE_1 * scale))):
        account = people.active_account(rng, scale)
        who = people.person(seed, people.owner(account))
        created = midnight(day) + timedelta(seconds=rng.randrange(3_600, 12 * 3_600), milliseconds=rng.randrange(1000))
        items = _items(rng, scale, day, seed, first_day)[:1]
        row = _order_row(f"O{day:%Y%m%d}{start + n:07d}", account, created, "offline_pos", items, 0,
                         rng.choice(who.devices), (who.phone, who.address))
        deleted = created + timedelta(seconds=rng.randrange(600, 6 * 3_600))
        histories.append(OrderHistory(((created, row),), deleted_at=deleted))
    return histories


def _event(op: str, ts: datetime, before: dict | None, after: dict | None) -> str:
    return json_line({"op": op, "ts_ms": ms(ts), "before": before, "after": after})


def _good_records(day: Day) -> list[Record]:
    timed: list[tuple[datetime, Record]] = []
    for back in range(LATEST_CHANGE_DAYS):
        for history in orders_placed_on(day.day - timedelta(days=back), day.seed, day.scale, day.first_day):
            previous = None
            for at, row in history.changes:
                event_rng = random.Random(f"{row['order_id']}:{row['status']}:{day.seed}")
                # 2% of events are delivered one day late; the rest on the day they happened.
                arrives = at.date() + timedelta(days=1 if event_rng.random() < 0.02 else 0)
                if arrives == day.day:
                    text = _event("c" if previous is None else "u", at, previous, row)
                    timed.append((at, Record(text, row["order_id"])))
                    if event_rng.random() < 0.01:  # the CDC connector replays an event
                        timed.append((at + timedelta(minutes=5), Record(text, row["order_id"])))
                previous = row
            if history.deleted_at and history.deleted_at.date() == day.day:  # purged the day it was placed
                timed.append((history.deleted_at, Record(_event("d", history.deleted_at, previous, None),
                                                         previous["order_id"])))
    timed.sort(key=lambda pair: pair[0])
    return [record for _, record in timed]


def deliver(day: Day) -> Iterator[DeliveryFile]:
    """Every line of the OMS feed delivered on ``day``, in delivery order, in parts."""
    rng = day.rng("orders-delivery")
    ordered = _good_records(day)
    # Out of order within the day: a share of events swap places with a neighbour.
    for i in range(0, len(ordered) - 1, 7):
        if rng.random() < 0.3:
            ordered[i], ordered[i + 1] = ordered[i + 1], ordered[i]
    if ordered:
        sample = [row for row in map(_after, (r.text for r in ordered[:2000])) if row is not None]
        bad = bad_json_records(CONTRACT, day, sample, len(ordered), wrap=lambda row: {
            "op": "c", "ts_ms": ms(midnight(day.day)), "before": None, "after": row})
        ordered = scatter(rng, ordered, bad)
    return parts("orders", day.day, ordered)


def _after(text: str) -> dict:
    return json.loads(text)["after"]


def truth(day: Day) -> dict:
    """Orders placed on ``day`` by brushing rings and crowd workers (on the first day also those of the days
    before it, whose later changes the first deliveries carry), orders the OMS deleted, the pricing episodes
    (who paid more for what, when: :mod:`ecomgen.pricing`)."""
    histories = orders_placed_on(day.day, day.seed, day.scale, day.first_day)
    earlier = range(1, LATEST_CHANGE_DAYS) if day.day == day.first_day else ()
    fakes = [h for back in earlier for h in orders_placed_on(day.day - timedelta(days=back), day.seed, day.scale,
                                                             day.first_day) if h.is_brushing]
    catalog = {n: sku_id(n) for n in range(skus(day.scale))}
    return {
        "brushing_orders": sorted(h.order["order_id"] for h in [*histories, *fakes] if h.is_brushing),
        "crowd_brushing_orders": sorted(h.order["order_id"] for h in [*histories, *fakes] if h.crowd),
        "deleted_orders": sorted(h.order["order_id"] for h in histories if h.deleted_at),
        "pricing_episodes": [e.truth(day.seed, day.day, catalog)
                             for e in pricing.episodes_on((day.day - day.first_day).days)],
    }
