import json
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from functools import cache

from ecomgen import clickstream
from ecomgen.campaigns import campaigns
from ecomgen.model import Day, breakages
from ecomgen.orders import orders_placed_on
from ecomlake.contracts import load_contract

FIRST = date(2026, 11, 20)
CONTRACT = load_contract("clickstream")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
# The silver is_bot rule from the contract's derive.
IS_BOT = re.compile(r"(?i)(bot|spider|crawler|python-requests|curl)")


def day(index: int = 0, seed: int = 1, scale: float = 0.002) -> Day:
    return Day(FIRST + timedelta(days=index), seed, scale, FIRST)


@cache
def delivery(d: Day) -> tuple[tuple[str, tuple], ...]:
    return tuple((f.name, tuple(f.records)) for f in clickstream.deliver(d))


@cache
def events(d: Day) -> tuple[dict, ...]:
    return tuple(json.loads(r.text) for _, records in delivery(d) for r in records if not r.bad_reason)


def when(event: dict) -> datetime:
    return datetime.fromisoformat(event["event_time"])


def test_same_day_same_text_another_seed_other_text():
    texts = [r.text for _, records in delivery(day()) for r in records]
    assert texts == [r.text for f in clickstream.deliver(day()) for r in f.records]
    assert texts != [r.text for _, records in delivery(day(seed=2)) for r in records]


def test_hourly_files_stream_about_the_scaled_volume():
    files = delivery(day())
    assert [name for name, _ in files] == [f"clickstream-2026-11-20-{h:02d}.jsonl" for h in range(24)]
    total = sum(len(records) for _, records in files)
    assert 0.9 * 10_000 < total < 1.2 * 10_000
    assert len(events(day(scale=0.0001))) > 24  # tiny scales still deliver every hour


def test_good_events_obey_the_contract_and_keys_are_unique():
    names = {f.name for f in CONTRACT.fields}
    for d in (day(), day(1)):
        records = [r for _, rs in delivery(d) for r in rs if not r.bad_reason]
        assert len({r.key for r in records}) == len(records)
        for record, event in zip(records, events(d), strict=True):
            assert record.key == event["event_id"]
            assert set(event) <= names | {clickstream.NEW_PROPERTY}
            for spec in CONTRACT.fields:
                value = event.get(spec.name)
                assert value is not None or not spec.required, (spec.name, event)
                assert value is None or not spec.allowed or value in spec.allowed, (spec.name, event)
            assert ISO.match(event["event_time"])


def test_bad_lines_carry_a_reason_ingestion_can_detect():
    reasons = {kind[0] for kind in breakages(CONTRACT)}
    bad = [r for _, rs in delivery(day()) for r in rs if r.bad_reason]
    assert len(bad) >= 24 and {r.bad_reason for r in bad} <= reasons
    for record in bad:
        assert record.key is None
        if record.bad_reason == "malformed_json":
            try:
                json.loads(record.text)
            except json.JSONDecodeError:
                continue
            raise AssertionError(record.text)


def test_about_one_percent_of_events_are_one_to_three_days_late():
    d = day(2, scale=0.01)  # enough sessions buffered offline to see each delay
    start = datetime(d.day.year, d.day.month, d.day.day, tzinfo=UTC)
    times = [when(e) for e in events(d)]
    # A purchase session may begin minutes before midnight; buffered events are a day or more older.
    late = [t for t in times if t < start - timedelta(hours=1)]
    assert 0.003 < len(late) / len(times) < 0.03
    assert min(times) >= start - timedelta(days=3)
    assert max(times) < start + timedelta(days=1)
    assert {(start - t).days for t in late} == {0, 1, 2}  # 1–3 days before today's hour


def test_experiment_id_appears_from_the_second_day_on():
    assert not any(clickstream.NEW_PROPERTY in e for e in events(day(0)))
    drifted = [e[clickstream.NEW_PROPERTY] for e in events(day(1)) if clickstream.NEW_PROPERTY in e]
    assert len(drifted) > len(events(day(1))) / 4 and all(":" in v for v in drifted)
    assert clickstream.truth(day(0))["new_properties"] == []
    assert clickstream.truth(day(1))["new_properties"] == [clickstream.NEW_PROPERTY]


def test_bots_make_many_events_and_only_bots_look_like_bots():
    per_device = defaultdict(int)
    for e in events(day(scale=0.01)):
        per_device[e["device_id"]] += 1
        assert bool(IS_BOT.search(e["user_agent"])) == (e["device_id"] in clickstream.BOTS), e
        assert e["device_id"] not in clickstream.BOTS or e.get("user_id") is None
    bots = clickstream.truth(day(scale=0.01))["bot_devices"]
    assert set(bots) == set(clickstream.BOTS)
    humans = sorted(n for device, n in per_device.items() if device not in bots)
    assert min(per_device[b] for b in bots) > 10 * humans[len(humans) // 2]


def test_anonymous_sessions_log_in_and_stay_logged_in():
    sessions = defaultdict(list)
    for e in events(day()):
        sessions[e["session_id"]].append(e)
    stitched = 0
    for session in sessions.values():
        session.sort(key=lambda e: e["event_id"])
        users = [e.get("user_id") for e in session]
        assert len({e["anonymous_id"] for e in session}) == 1
        assert len(set(users) - {None}) <= 1
        first_logged = next((i for i, u in enumerate(users) if u), None)
        if first_logged is not None:
            assert all(users[first_logged:])
            stitched += first_logged > 0
    assert stitched > 20


def test_purchases_are_the_days_own_orders_on_the_buyers_device():
    d = day()
    shop_orders = {h.order["order_id"]: h.order for h in orders_placed_on(d.day, d.seed, d.scale, d.first_day)
                   if h.order["channel"] in clickstream.PLATFORMS}
    purchases = [e for e in events(d) if e["event_name"] == "purchase"]
    assert {e["order_id"] for e in purchases} == set(shop_orders)
    for e in purchases:
        order = shop_orders[e["order_id"]]
        # a guest checkout never logs in: the purchase is the device's visitor's
        assert (e.get("user_id"), e["device_id"], e["platform"]) == (order["user_id"], order["device_id"],
                                                                      order["channel"])
        assert e["event_time"] == order["created_at"]


def test_landings_carry_utm_of_real_campaigns():
    known = {c.campaign_id: c for c in campaigns(1)}
    landings = [e for e in events(day()) if "utm_source" in e]
    assert landings and all(e["event_name"] == "page_view" for e in landings)
    for e in landings:
        campaign = known[e["campaign_id"]]
        assert (e["utm_source"], e["utm_medium"], e["utm_campaign"]) == (
            campaign.utm_source, campaign.utm_medium, campaign.utm_campaign)
    sessions = {e["session_id"] for e in events(day())}
    assert 0.2 < len({e["session_id"] for e in landings}) / len(sessions) < 0.4
