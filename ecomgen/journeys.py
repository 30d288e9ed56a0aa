"""The marketing world behind the own shop (app, mini-program, web): which campaign landed whom, and who
bought because of it.

Each day, every shopper of the own shop (a person who browses or buys there that day) has an organic
chance to buy, and each campaign lands on them with its reach and, if it does, gives them a chance of
its lift to buy anyway (:mod:`ecomgen.campaigns`); they buy if any of these reasons fires. Which
shoppers buy is fixed by the orders (:func:`ecomgen.orders.orders_placed_on`), so the reasons are drawn
given it, and the organic chance is set so that the model's buying rate is the day's: the deliveries
carry exactly this model's joint distribution of landings and purchases. A buyer's orders that day are
**incremental** to a campaign when its reason alone fired: without that campaign the shopper would not
have bought that day. The truth lists those orders; an attribution model sees only the landings.

A landing raises the chance to buy on its own day only; landings of earlier days are in the data too, so
a lookback window of several days also collects landings that caused nothing.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from ecomgen import people
from ecomgen.campaigns import Campaign, campaigns
from ecomgen.model import Day, midnight, ms
from ecomgen.orders import OWN_CHANNELS, OrderHistory, orders_placed_on

ACTIVE_SHARE = 0.6  # of accounts visit the own shop on a day, in several sessions each
# Share of the day's traffic by Beijing hour (UTC+8): quiet nights, lunch and evening peaks.
BEIJING_HOUR_WEIGHTS = (5, 3, 2, 1, 1, 1, 2, 3, 4, 5, 5, 6, 7, 6, 5, 5, 5, 5, 6, 8, 9, 10, 9, 7)
HOUR_MS, DAY_MS = 3_600_000, 86_400_000


@dataclass(frozen=True)
class Landing:
    """A campaign's ad bringing a shopper (a person, by number) to the shop at ``at_ms`` (epoch ms)."""

    person: int
    campaign: Campaign
    at_ms: int


@dataclass(frozen=True)
class MarketDay:
    """The day's shoppers, their landings in time order, and the orders each campaign alone caused."""

    visitors: tuple[int, ...]  # account numbers of the day's browsing sessions' shoppers, drawn with repeats
    landings: tuple[Landing, ...]
    incremental: dict[str, tuple[str, ...]]  # campaign id → order ids
    shoppers: int
    buyers: int
    organic_chance: float


def own_shop_orders(histories: tuple[OrderHistory, ...]) -> dict[int, list[OrderHistory]]:
    """The day's own-shop orders placed from an account, by the buying person; brushing rings' fake orders,
    guest checkouts and orders a coupon induced (:mod:`ecomgen.promotions`) stay out of the model."""
    by_person: dict[int, list[OrderHistory]] = defaultdict(list)
    for history in histories:
        order = history.order
        if order["channel"] in OWN_CHANNELS and order["user_id"] and not (history.is_brushing or history.induced):
            by_person[people.owner(int(order["user_id"][1:]))].append(history)
    return by_person


def _visitors(day: Day) -> tuple[int, ...]:
    rng = day.rng("clickstream-visitors")
    return tuple(people.active_account(rng, day.scale)
                 for _ in range(max(1, int(people.accounts(day.scale) * ACTIVE_SHARE))))


def organic_chance(buying_rate: float, every: tuple[Campaign, ...]) -> float:
    """The organic chance that makes the model's buying rate ``buying_rate``: a shopper does not buy when no
    reason fires, 1 − rate = (1 − p) · Π (1 − reach · lift)."""
    untouched = math.prod(1 - c.reach * c.lift for c in every)
    return min(max(1 - (1 - buying_rate) / untouched, 0.0), 1.0)


def _reasons(rng: random.Random, every: tuple[Campaign, ...], p: float, bought: bool
             ) -> tuple[list[Campaign], list[Campaign], bool]:
    """Landed campaigns, the campaigns whose reason fired and whether the organic one did, drawn given
    whether the shopper bought (by rejection for buyers: some reason fired)."""
    rnd = rng.random
    while True:
        landed = [c for c in every if rnd() < c.reach]
        fired = [c for c in landed if rnd() < c.lift]
        organic = rnd() < p
        if bought == (organic or bool(fired)):
            return landed, fired, organic


def _landing_time(rng: random.Random, day: Day, campaign: Campaign, bought_at: datetime | None) -> int:
    """A buyer is landed some time before their first order that day (the platform's lead time), anyone
    else when the shop's traffic is."""
    start = ms(midnight(day.day))
    if bought_at is not None:
        end = ms(bought_at)
        at = end - int(rng.expovariate(1 / (campaign.lead_minutes * 60_000))) - 1
        return at if at >= start else start + int(rng.random() * (end - start))
    hour = rng.choices(range(24), [BEIJING_HOUR_WEIGHTS[(h + 8) % 24] for h in range(24)])[0]
    return start + hour * HOUR_MS + int(rng.random() * HOUR_MS)


@lru_cache(maxsize=4)
def market_day(day: Day) -> MarketDay:
    every = campaigns(day.seed)
    visitors = _visitors(day)
    bought = own_shop_orders(orders_placed_on(day.day, day.seed, day.scale, day.first_day))
    shoppers = sorted({people.owner(a) for a in visitors} | set(bought))
    p = organic_chance(len(bought) / len(shoppers), every)
    rng = day.rng("journeys")
    landings, incremental = [], defaultdict(list)
    for person in shoppers:
        orders = bought.get(person)
        landed, fired, organic = _reasons(rng, every, p, orders is not None)
        first = min(h.changes[0][0] for h in orders) if orders else None
        landings += [Landing(person, c, _landing_time(rng, day, c, first)) for c in landed]
        if orders and len(fired) == 1 and not organic:
            incremental[fired[0].campaign_id] += [h.order["order_id"] for h in orders]
    landings.sort(key=lambda landing: (landing.at_ms, landing.person))
    return MarketDay(visitors, tuple(landings), {k: tuple(v) for k, v in incremental.items()},
                     len(shoppers), len(bought), p)


def truth(day: Day) -> dict:
    """Each campaign's reach, lift and landings, and the orders it alone caused; the organic chance."""
    market = market_day(day)
    landed = Counter(landing.campaign.campaign_id for landing in market.landings)
    return {
        "shoppers": market.shoppers, "buyers": market.buyers, "organic_chance": round(market.organic_chance, 6),
        "campaigns": {c.campaign_id: {"reach": round(c.reach, 6), "lift": round(c.lift, 6),
                                      "landed": landed[c.campaign_id],
                                      "incremental_orders": sorted(market.incremental.get(c.campaign_id, ()))}
                      for c in campaigns(day.seed)},
    }
