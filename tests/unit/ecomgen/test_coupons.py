import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from functools import cache
from math import sqrt
from statistics import mean, variance

from ecomgen import coupons, promotions
from ecomgen.campaigns import campaigns
from ecomgen.model import Day, breakages
from ecomgen.orders import orders_placed_on
from ecomlake.contracts import load_contract

FIRST = date(2026, 11, 20)
CONTRACT = load_contract("coupons")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def day(index: int = 0, seed: int = 1, scale: float = 0.005) -> Day:
    return Day(FIRST + timedelta(days=index), seed, scale, FIRST)


@cache
def records(d: Day) -> tuple:
    return tuple(r for f in coupons.deliver(d) for r in f.records)


@cache
def events(d: Day) -> tuple[dict, ...]:
    return tuple(json.loads(r.text) for r in records(d) if not r.bad_reason)


def test_same_day_same_text_another_seed_other_text():
    texts = [r.text for r in records(day())]
    assert texts == [r.text for f in coupons.deliver(day()) for r in f.records]
    assert texts != [r.text for r in records(day(seed=2))]


def test_good_events_obey_the_contract():
    for d in (day(0), day(4)):
        good = [r for r in records(d) if not r.bad_reason]
        assert len({r.key for r in good}) == len(good)
        for record, event in zip(good, events(d), strict=True):
            assert record.key == event["event_id"]
            assert list(event) == [f.name for f in CONTRACT.fields]
            for spec in CONTRACT.fields:
                value = event[spec.name]
                if value is None:
                    assert not spec.required, (spec.name, event)
                    continue
                assert not spec.allowed or value in spec.allowed, (spec.name, event)
                assert spec.min is None or value >= spec.min, (spec.name, event)
                assert spec.type != "timestamp" or ISO.match(value), (spec.name, event)
            assert (event["coupon_id"] is None) == (event["event_type"] in ("template_created", "held_out"))
            assert event["campaign_id"] in {c.campaign_id for c in campaigns(1)}


def test_bad_records_carry_a_reason_ingestion_can_detect():
    bad = [r for r in records(day()) if r.bad_reason]
    assert bad and {r.bad_reason for r in bad} <= {kind[0] for kind in breakages(CONTRACT)}


def test_some_claims_come_from_outside_the_target_segment():
    claims = [e for e in events(day(1)) if e["event_type"] == "claimed"]
    outside = sorted(e["coupon_id"] for e in claims if e["user_segment"] != e["target_segment"])
    assert 0.2 < len(outside) / len(claims) < 0.4
    assert coupons.truth(day(1))["non_target_claims"] == outside
    for e in events(day(1)):
        if e["event_type"] == "issued":  # the service pushes coupons to its target only
            assert promotions.user_segment(1, int(e["user_id"][1:])) == e["target_segment"]


def test_redemptions_are_real_orders_of_the_day_by_the_coupon_holder_within_its_validity():
    d = day(2)
    placed = {h.order["order_id"]: h.order for h in orders_placed_on(d.day, d.seed, d.scale, d.first_day)}
    taken = {e["coupon_id"]: e for n in range(3) for e in events(day(n)) if e["event_type"] in ("issued", "claimed")}
    redeemed = [e for e in events(d) if e["event_type"] == "redeemed"]
    assert len(redeemed) > 10
    assert {e["coupon_id"] for e in redeemed} & {c for c, e in taken.items() if e["event_time"] < d.day.isoformat()}
    for e in redeemed:
        order = placed[e["order_id"]]
        assert e["user_id"] == order["user_id"] == taken[e["coupon_id"]]["user_id"]
        assert e["face_value_fen"] == order["discount_fen"]
        assert e["min_spend_fen"] <= order["total_fen"] + order["discount_fen"]
        assert taken[e["coupon_id"]]["event_time"] <= e["event_time"] == order["created_at"] < e["valid_until"]
    every = [e["coupon_id"] for n in range(3) for e in events(day(n)) if e["event_type"] == "redeemed"]
    assert len(every) == len(set(every))  # once each


def test_unredeemed_coupons_expire_when_their_validity_ends():
    """Flash coupons a day after they are taken, the others three days after."""
    taken = {e["coupon_id"]: e for n in range(4) for e in events(day(n)) if e["event_type"] in ("issued", "claimed")}
    redeemed = {e["coupon_id"] for n in range(4) for e in events(day(n)) if e["event_type"] == "redeemed"}
    flash = {t.template_id for n in range(4) for t in promotions.templates_created_on(1, day(n).day)[:1]}
    for n in range(1, 4):
        expired = [e for e in events(day(n)) if e["event_type"] == "expired"]
        due = {c for c, e in taken.items() if c not in redeemed and
               (FIRST + timedelta(days=n - (1 if e["template_id"] in flash else promotions.VALID_DAYS))).isoformat()
               == e["event_time"][:10]}
        assert expired and {e["coupon_id"] for e in expired} == due
        for e in expired:
            assert e["event_time"] == e["valid_until"] == taken[e["coupon_id"]]["valid_until"]
    assert not any(e["event_type"] == "expired" for e in events(day(0)))


def test_each_templates_audience_is_its_segment_split_into_sent_and_held_out():
    d = day(1)
    by_template = defaultdict(lambda: defaultdict(list))
    for e in events(d):
        if e["event_type"] in ("issued", "held_out"):
            by_template[e["template_id"]][e["event_type"]].append(e["user_id"])
            assert promotions.user_segment(1, int(e["user_id"][1:])) == e["target_segment"]
    assert len(by_template) == promotions.TEMPLATES_PER_DAY
    for groups in by_template.values():
        audience = groups["issued"] + groups["held_out"]
        assert len(audience) == len(set(audience))
    held_out = sum(len(groups["held_out"]) for groups in by_template.values())
    assert 0.15 < held_out / sum(len(g["issued"]) + len(g["held_out"]) for g in by_template.values()) < 0.25
    redeemed = {(e["template_id"], e["user_id"]) for n in range(4) for e in events(day(n))
                if e["event_type"] == "redeemed"}
    assert not redeemed & {(t, u) for t, groups in by_template.items() for u in groups["held_out"]}


def test_the_truths_induced_orders_redeem_a_coupon_sent_to_their_buyer():
    sent = {(e["template_id"], e["user_id"]) for n in range(3) for e in events(day(n)) if e["event_type"] == "issued"}
    redeemed = {e["order_id"]: e for e in events(day(2)) if e["event_type"] == "redeemed"}
    holdout = coupons.truth(day(2))["holdout"]
    assert holdout["induced_orders"] and holdout["used_anyway"]
    for order_id, template_id in {**holdout["induced_orders"], **holdout["used_anyway"]}.items():
        assert redeemed[order_id]["template_id"] == template_id
        assert (template_id, redeemed[order_id]["user_id"]) in sent


def test_a_holdout_comparison_of_the_delivered_data_recovers_each_templates_induced_orders():
    """Orders per account within the validity, sent minus held out, with a 95% interval (Welch): the
    generator's world makes the coupons' effect measurable, and the intervals cover it about 95% of the time."""
    days = [day(n, seed=7, scale=0.02) for n in range(8)]
    bought = defaultdict(list)
    for d in days:
        for h in orders_placed_on(d.day, d.seed, d.scale, d.first_day):
            if h.order["user_id"] and not h.is_brushing:
                bought[h.order["user_id"]].append(h.order["created_at"])
    induced = Counter(t for d in days for t in coupons.truth(d)["holdout"]["induced_orders"].values())
    audience = defaultdict(lambda: defaultdict(list))
    for d in days[:5]:
        for e in events(d):
            if e["event_type"] in ("issued", "held_out"):
                audience[e["template_id"]][e["event_type"]].append((e["user_id"], e["event_time"]))
    valid = {t.template_id: t.valid_days for d in days[:5] for t in promotions.templates_created_on(7, d.day)}
    covered = 0
    for template_id, groups in audience.items():
        def orders(member: tuple[str, str], days_valid: int = valid[template_id]) -> int:
            start = datetime.fromisoformat(member[1])
            end = (start + timedelta(days=days_valid)).isoformat().replace("+00:00", "Z")
            return sum(member[1] <= at < end for at in bought[member[0]])
        sent, held = ([orders(m) for m in groups[kind]] for kind in ("issued", "held_out"))
        estimate = mean(sent) - mean(held)
        half_width = 1.96 * sqrt(variance(sent) / len(sent) + variance(held) / len(held))
        covered += abs(estimate - induced[template_id] / len(sent)) <= half_width
    assert len(audience) == 15 and covered >= 12
