import json
from datetime import date, datetime, timedelta

from ecomgen import orders, people, pricing
from ecomgen.model import Day, ms
from ecomlake.contracts import Reason, load_contract

DAY = date(2026, 11, 20)


def records(seed: int, scale: float, day: date = DAY, first_day: date = DAY):
    return [r for f in orders.deliver(Day(day, seed, scale, first_day)) for r in f.records]


def test_same_seed_same_delivery_and_another_seed_another():
    first = [r.text for r in records(1, 0.002)]
    assert first == [r.text for r in records(1, 0.002)]
    assert first != [r.text for r in records(2, 0.002)]


def test_bad_records_are_labelled_with_the_reason_ingestion_must_give():
    bad = [r for day in range(3) for r in records(1, 0.005, date(2026, 11, 20 + day)) if r.bad_reason]
    reasons = {r.bad_reason for r in bad}
    assert {Reason.MALFORMED_JSON.value, f"{Reason.MISSING_REQUIRED}:order_id", f"{Reason.BAD_TYPE}:total_fen",
            f"{Reason.NOT_ALLOWED}:channel", f"{Reason.OUT_OF_RANGE}:total_fen"} <= reasons
    for record in bad:
        if record.bad_reason == Reason.MALFORMED_JSON.value:
            try:
                json.loads(record.text)
            except json.JSONDecodeError:
                continue
            raise AssertionError(f"record labelled malformed parses: {record.text}")


def test_good_events_follow_the_contract():
    contract = load_contract("orders")
    allowed_status = set(contract.field("status").allowed)
    for record in records(3, 0.002):
        if record.bad_reason:
            continue
        event = json.loads(record.text)
        assert event["op"] in ("c", "u", "d")
        row = event["after"] if event["op"] != "d" else event["before"]
        assert (event["after"] is None) == (event["op"] == "d")
        assert set(row) == {f.name for f in contract.fields}
        assert row["status"] in allowed_status
        assert row["total_fen"] >= 0 and record.key == row["order_id"]


def test_status_changes_can_arrive_out_of_order_and_be_replayed():
    events = [json.loads(r.text) for r in records(5, 0.01) if not r.bad_reason]
    timestamps = [event["ts_ms"] for event in events]
    assert any(a > b for a, b in zip(timestamps, timestamps[1:], strict=False)), "no out-of-order events"
    texts = [json.dumps(event, sort_keys=True) for event in events]
    assert len(texts) > len(set(texts)), "no replayed events"


def test_brushing_rings_share_farm_phones_and_drop_addresses_and_buy_their_targets_over_hours():
    ring = {h.order["order_id"] for h in orders.orders_placed_on(DAY, 4, 0.005, DAY) if h.is_brushing and not h.crowd}
    assert ring <= set(orders.truth(Day(DAY, 4, 0.005, DAY))["brushing_orders"])
    rows = [json.loads(r.text)["after"] or {} for r in records(4, 0.005) if not r.bad_reason]
    ring_rows = [row for row in rows if row.get("order_id") in ring]
    assert len(ring) >= 30 and len(ring_rows) >= 0.9 * len(ring)
    accounts_by_device: dict[str, set[str]] = {}
    for row in ring_rows:
        accounts_by_device.setdefault(row["device_id"], set()).add(row["user_id"])
    assert 4 <= len(accounts_by_device) <= 8 and min(len(a) for a in accounts_by_device.values()) >= 2
    assert all(row["device_id"].startswith("D") and "仓库" not in row["shipping_address"] for row in ring_rows)
    assert len({row["shipping_address"] for row in ring_rows}) <= 4
    assert len({item["sku_id"] for row in ring_rows for item in row["items"]}) <= 4
    hours = sorted({datetime.fromisoformat(row["created_at"]).hour for row in ring_rows})
    assert len(hours) >= 2  # spread over hours, not one burst


def test_crowd_workers_buy_from_their_own_phones_in_lockstep_with_the_same_workers():
    """A crowd task order (刷手) is a brushing order from its account's own phone; its workers buy the same SKUs on
    the same day as each other again and again, across tasks and days."""
    seed, scale = 4, 0.005
    crowd = [h.order for day in (DAY, DAY + timedelta(days=1)) for h in orders.orders_placed_on(day, seed, scale, DAY)
             if h.crowd]
    truth = orders.truth(Day(DAY, seed, scale, DAY))
    assert {o["order_id"] for o in crowd if o["created_at"] < "2026-11-21"} <= set(truth["crowd_brushing_orders"])
    assert set(truth["crowd_brushing_orders"]) <= set(truth["brushing_orders"])
    assert len(crowd) >= 30
    assert all(o["device_id"] in people.person(seed, people.owner(int(o["user_id"][1:]))).devices for o in crowd)
    buyers: dict[tuple[str, str], set[str]] = {}
    for o in crowd:
        buyers.setdefault((o["items"][0]["sku_id"], o["created_at"][:10]), set()).add(o["user_id"])
    together: dict[frozenset[str], int] = {}
    for accounts in buyers.values():
        for a in accounts:
            for b in accounts - {a}:
                together[frozenset((a, b))] = together.get(frozenset((a, b)), 0) + 1
    lockstep = {a for pair, times in together.items() if times >= 4 for a in pair}  # each pair counted twice
    assert sum(o["user_id"] in lockstep for o in crowd) >= 0.7 * len(crowd)


def test_a_flash_sale_brings_real_buyers_of_one_sku_within_half_an_hour_from_their_own_phones():
    seed, scale = 4, 0.05
    placed = [h.order for h in orders.orders_placed_on(DAY, seed, scale, DAY) if not h.is_brushing]
    by_sku: dict[str, list[dict]] = {}
    for order in placed:
        for item in order["items"]:
            by_sku.setdefault(item["sku_id"], []).append(order)

    def busiest_half_hour(bought: list[dict]) -> list[dict]:
        bought = sorted(bought, key=lambda o: o["created_at"])
        at = [datetime.fromisoformat(o["created_at"]) for o in bought]
        return max((bought[i:j] for i in range(len(at)) for j in [next(
            (k for k in range(i, len(at)) if (at[k] - at[i]).total_seconds() > 1800), len(at))]), key=len)

    crowd = max((busiest_half_hour(bought) for bought in by_sku.values()), key=len)
    assert len(crowd) >= 15 and len({o["user_id"] for o in crowd}) >= 14
    assert all(o["device_id"] in people.person(seed, people.owner(int(o["user_id"][1:]))).devices for o in crowd)


def test_buyers_pay_the_catalog_price_except_where_a_channel_or_an_episode_says_otherwise():
    """Every line of an account's ordinary order, priced here from the list price: JD 3 % below it, Douyin's
    morning subsidy 10 % off, and on each episode's day and hour its tier's buyers pay the markup on its SKUs
    (the truth names them); nowhere else does a price differ."""
    seed, scale, first = 4, 0.05, DAY
    for day_index, tier, hour in ((0, 1, 20), (1, 2, 13)):
        day = date(2026, 11, 20 + day_index)
        [episode] = orders.truth(Day(day, seed, scale, first))["pricing_episodes"]
        assert (episode["segment_kind"], episode["segment"], episode["hour_utc"]) == ("city_tier", str(tier), hour)
        marked, ends, seen = set(episode["skus"]), pricing.subsidy_ends_hour(seed, day), 0
        for history in orders.orders_placed_on(day, seed, scale, first):
            order = history.order
            if history.is_brushing or history.induced or history.coupon or not order["user_id"]:
                continue
            created = datetime.fromisoformat(order["created_at"])
            tier_of_buyer = people.person(seed, people.owner(int(order["user_id"][1:]))).city_tier
            for line in order["items"]:
                price = orders.list_price_fen(int(line["sku_id"][3:]), day, scale)
                price = price * 97 // 100 if order["channel"] == "jd" else price
                price = price * 90 // 100 if order["channel"] == "douyin" and created.hour < ends else price
                if created.hour == hour and tier_of_buyer == tier and line["sku_id"] in marked:
                    price, seen = int(price * episode["markup"]), seen + 1
                assert line["unit_price_fen"] == price
        assert seen >= 3 and 0.2 < len(marked) / orders.skus(scale) < 0.4


def test_the_oms_deletes_its_till_check_orders_the_day_they_are_placed():
    for seed in (1, 2):
        d = Day(DAY, seed, 0.002, DAY)
        deleted = orders.truth(d)["deleted_orders"]
        events = [json.loads(r.text) for r in records(seed, 0.002) if not r.bad_reason]
        deletes = {e["before"]["order_id"]: e for e in events if e["op"] == "d"}
        assert deleted and sorted(deletes) == deleted
        for e in deletes.values():
            assert e["before"]["channel"] == "offline_pos" and e["before"]["status"] == "created"
            assert e["ts_ms"] > ms(datetime.fromisoformat(e["before"]["created_at"]))


def test_guest_checkouts_carry_no_account_and_the_buyers_own_phone_and_device():
    seed, scale, first = 7, 0.01, date(2026, 8, 1)
    placed = [h.order for h in orders.orders_placed_on(first, seed, scale, first) if not h.is_brushing]
    guests = [o for o in placed if o["user_id"] is None]
    assert 0.015 < len(guests) / len(placed) < 0.05
    phones = {r[1]: r[2] for r in people.identity_rows(seed, scale) if r[0] == "phone"}
    devices = {r[1]: r[2] for r in people.identity_rows(seed, scale) if r[0] == "device_id"}
    buyers = {phones[o["shipping_phone"]] for o in guests}
    assert all(phones[o["shipping_phone"]] == devices[o["device_id"]] for o in guests)  # one person's
    relatives = {p for p in buyers if int(p[1:]) >= people.RELATIVES_FROM}
    assert relatives and buyers - relatives  # people without an account, and customers who did not log in
    assert all(o["discount_fen"] == 0 for o in guests)
