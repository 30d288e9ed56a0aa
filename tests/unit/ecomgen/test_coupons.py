import json
import re
from datetime import date, timedelta
from functools import cache

from ecomgen import coupons
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
            assert (event["coupon_id"] is None) == (event["event_type"] == "template_created")
            assert event["campaign_id"] in {c.campaign_id for c in campaigns(1)}


def test_bad_records_carry_a_reason_ingestion_can_detect():
    bad = [r for r in records(day()) if r.bad_reason]
    assert bad and {r.bad_reason for r in bad} <= {kind[0] for kind in breakages(CONTRACT)}


def test_some_claims_come_from_outside_the_target_segment():
    claims = [e for e in events(day(1)) if e["event_type"] == "claimed"]
    outside = sorted(e["coupon_id"] for e in claims if e["user_segment"] != e["target_segment"])
    assert 0.08 < len(outside) / len(claims) < 0.3
    assert coupons.truth(day(1))["non_target_claims"] == outside
    for e in events(day(1)):
        if e["event_type"] == "issued":  # the service pushes coupons to its target only
            assert coupons.user_segment(1, int(e["user_id"][1:])) == e["target_segment"]


def test_redemptions_are_real_orders_of_the_day_by_the_coupon_holder():
    d = day(2)
    placed = {h.order["order_id"]: h.order for h in orders_placed_on(d.day, d.seed, d.scale, d.first_day)}
    taken = {e["coupon_id"]: e for e in events(d) if e["event_type"] in ("issued", "claimed")}
    redeemed = [e for e in events(d) if e["event_type"] == "redeemed"]
    assert len(redeemed) > 10
    for e in redeemed:
        order = placed[e["order_id"]]
        assert e["user_id"] == order["user_id"] == taken[e["coupon_id"]]["user_id"]
        assert e["face_value_fen"] == order["discount_fen"]
        assert e["min_spend_fen"] <= order["total_fen"] + order["discount_fen"]
        assert taken[e["coupon_id"]]["event_time"] <= e["event_time"] == order["created_at"]


def test_unredeemed_coupons_expire_when_their_validity_ends():
    """Flash coupons a day after they are taken, the others three days after."""
    taken = {e["coupon_id"]: e for n in range(4) for e in events(day(n)) if e["event_type"] in ("issued", "claimed")}
    redeemed = {e["coupon_id"] for n in range(4) for e in events(day(n)) if e["event_type"] == "redeemed"}
    flash = {t.template_id for n in range(4) for t in coupons.templates_created_on(1, day(n).day)[:1]}
    for n in range(1, 4):
        expired = [e for e in events(day(n)) if e["event_type"] == "expired"]
        due = {c for c, e in taken.items() if c not in redeemed and
               (FIRST + timedelta(days=n - (1 if e["template_id"] in flash else coupons.VALID_DAYS))).isoformat()
               == e["event_time"][:10]}
        assert expired and {e["coupon_id"] for e in expired} == due
        for e in expired:
            assert e["event_time"] == e["valid_until"] == taken[e["coupon_id"]]["valid_until"]
    assert not any(e["event_type"] == "expired" for e in events(day(0)))
