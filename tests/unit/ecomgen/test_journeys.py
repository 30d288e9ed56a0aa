import json
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date
from functools import cache

import pytest
from scipy.stats import spearmanr

from ecomgen import ad_spend, clickstream, people
from ecomgen.campaigns import Campaign, campaigns
from ecomgen.journeys import market_day, organic_chance, own_shop_orders, truth
from ecomgen.model import Day, midnight, ms
from ecomgen.orders import orders_placed_on

FIRST = date(2026, 11, 20)


def day(scale: float = 0.01, seed: int = 3) -> Day:
    return Day(FIRST, seed, scale, FIRST)


def campaign(reach: float, lift: float) -> Campaign:
    return Campaign("C", "douyin", "c", "c", 0, reach, lift)


def test_the_organic_chance_makes_the_models_buying_rate_the_days():
    # Two campaigns landing on half the shoppers each, each a 0.5 chance to buy: a shopper is left unmoved
    # by one with 1 - 0.25 = 0.75, so 1 - 0.6 = (1 - p) * 0.75 * 0.75 gives p = 1 - 0.4 / 0.5625.
    assert organic_chance(0.6, (campaign(0.5, 0.5), campaign(0.5, 0.5))) == pytest.approx(1 - 0.4 / 0.5625)
    assert organic_chance(0.1, (campaign(1.0, 0.5),)) == 0.0  # the campaign alone sells more: no organic chance


@cache
def delivered_events(d: Day) -> tuple[dict, ...]:
    return tuple(json.loads(r.text) for f in clickstream.deliver(d) for r in f.records if not r.bad_reason)


def test_every_landing_the_truth_counts_is_a_campaign_landing_page_in_the_clickstream():
    d = day()
    seen = Counter(e["campaign_id"] for e in delivered_events(d) if e.get("campaign_id"))
    landed = {c: v["landed"] for c, v in truth(d)["campaigns"].items() if v["landed"]}
    assert seen == landed and len(landed) == len(campaigns(d.seed))


def test_platforms_report_at_least_the_clicks_the_shop_saw_land():
    d = Day(FIRST.replace(day=21), 3, 0.01, FIRST)
    seen = Counter(e["campaign_id"] for e in delivered_events(d) if e.get("campaign_id"))
    rows = [row for platform in ad_spend.PLATFORMS for row in ad_spend._rows(d, platform, d.day, corrected=False)]
    assert all(seen[row["campaign_id"]] <= row["clicks"] <= seen[row["campaign_id"]] / 0.8 + 1 for row in rows)


def test_incremental_orders_are_own_shop_orders_of_shoppers_the_campaign_landed_before_they_bought():
    d = day()
    histories = {h.order["order_id"]: h for h in orders_placed_on(d.day, d.seed, d.scale, d.first_day)}
    landed = defaultdict(list)
    for landing in market_day(d).landings:
        landed[landing.person, landing.campaign.campaign_id].append(landing.at_ms)
    counted = Counter()
    for campaign_id, effect in truth(d)["campaigns"].items():
        for order_id in effect["incremental_orders"]:
            history = histories[order_id]
            order = history.order
            assert order["channel"] in ("app", "mini_program", "web") and order["user_id"]
            assert not history.is_brushing
            person = people.owner(int(order["user_id"][1:]))
            assert min(landed[person, campaign_id]) < ms(history.changes[0][0])
            counted[order_id] += 1
    assert counted and max(counted.values()) == 1  # no order is incremental to two campaigns


def _buying_rates(d: Day) -> dict[str, tuple[float, float]]:
    """Per campaign: the share of shoppers buying among those it landed and among those it did not."""
    market = market_day(d)
    bought = set(own_shop_orders(orders_placed_on(d.day, d.seed, d.scale, d.first_day)))
    shoppers = {people.owner(a) for a in market.visitors} | bought
    landed = defaultdict(set)
    for landing in market.landings:
        landed[landing.campaign.campaign_id].add(landing.person)
    return {c: (len(who & bought) / len(who), len((shoppers - who) & bought) / len(shoppers - who))
            for c, who in landed.items()}


def test_campaigns_with_a_larger_true_lift_move_more_of_the_shoppers_they_land_to_buy():
    d = day(scale=0.05)
    rates = _buying_rates(d)
    ids = sorted(rates)
    lifts = {c.campaign_id: c.lift for c in campaigns(d.seed)}
    assert spearmanr([lifts[c] for c in ids], [rates[c][0] - rates[c][1] for c in ids])[0] >= 0.8


def test_landings_of_earlier_days_change_nothing_later():
    """A landing raises the chance to buy on its own day only: yesterday's landings leave today's rates alone."""
    today = replace(day(scale=0.05), day=FIRST.replace(day=21))
    yesterday = {(landing.person, landing.campaign.campaign_id) for landing in market_day(day(scale=0.05)).landings}
    market = market_day(today)
    bought = set(own_shop_orders(orders_placed_on(today.day, today.seed, today.scale, today.first_day)))
    landed_today = {landing.person for landing in market.landings}
    shoppers = ({people.owner(a) for a in market.visitors} | bought) - landed_today
    carried = {p for p, _ in yesterday} & shoppers
    assert len(carried) > 200
    rate_carried = len(carried & bought) / len(carried)
    rate_rest = len((shoppers - carried) & bought) / len(shoppers - carried)
    assert abs(rate_carried - rate_rest) < 0.05


def test_the_same_day_gives_the_same_landings_and_truth_and_every_landing_is_on_that_day():
    assert truth(day()) == truth(Day(FIRST, 3, 0.01, FIRST))
    assert truth(day()) != truth(day(seed=4))
    start = ms(midnight(FIRST))
    assert all(start <= landing.at_ms < start + 86_400_000 for landing in market_day(day()).landings)
