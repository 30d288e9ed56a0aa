"""Every path the contracts promise shows up in any two consecutive delivery days, for any seed and small scale.

The checks read the delivered records the way a pipeline would (JSON lines, CSV with
headers, Parquet rows), not the generators' internals, and hold the truth manifests to them.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from ecomgen import ad_spend, clickstream, coupons, inventory, orders, payments, products, users
from ecomgen.model import Day

# (seed, scale, first day, index of the window's first day): the history's opening window and a later one.
WINDOWS = [
    (42, 0.01, date(2026, 11, 20), 0),
    (7, 0.002, date(2026, 8, 1), 0),
    (11, 0.005, date(2026, 10, 1), 0),
    (3, 0.002, date(2026, 3, 5), 0),
    (5, 0.004, date(2026, 6, 14), 2),
    (19, 0.002, date(2027, 1, 30), 5),
]


def window(case: tuple) -> list[Day]:
    seed, scale, first, index = case
    return [Day(first + timedelta(days=index + n), seed, scale, first) for n in range(2)]


def good(module, day: Day) -> list[tuple[str, list[str]]]:
    """(file name, good record texts) of the day's delivery."""
    return [(f.name, [r.text for r in f.records if not r.bad_reason]) for f in module.deliver(day)]


def events(module, day: Day) -> list[dict]:
    return [json.loads(text) for _, texts in good(module, day) for text in texts]


def csv_rows(module, day: Day) -> dict[str, list[dict]]:
    """Good rows of each CSV file of the day, by file name, read with the file's header."""
    out = {}
    for file in module.deliver(day):
        lines = [r.text for r in file.records if not r.bad_reason]
        out[file.name] = list(csv.DictReader([file.header, *lines]))
    return out


def day_of(ts_ms: int) -> date:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).date()


ids = [f"seed{c[0]}-scale{c[1]}-day{c[3]}" for c in WINDOWS]


@pytest.mark.parametrize("case", WINDOWS, ids=ids)
def test_users_update_close_replay_and_late_update_after_the_close(case):
    days = window(case)
    delivered = [(n, pos, e) for n, d in enumerate(days) for pos, e in enumerate(events(users, d))]
    ops = Counter(e["op"] for _, _, e in delivered)
    assert ops["u"] and ops["d"], ops
    texts = Counter(json.dumps(e, sort_keys=True) for _, _, e in delivered if e["op"] != "r")
    assert max(texts.values()) > 1, "no replayed event"
    closes = {e["before"]["user_id"]: (n, pos, e["ts_ms"]) for n, pos, e in delivered if e["op"] == "d"}
    # Updates of accounts closed in this window that happened before the close but arrive after it.
    late = {(days[n].day, e["after"]["user_id"]) for n, pos, e in delivered
            if e["op"] == "u" and e["after"]["user_id"] in closes
            and e["ts_ms"] < closes[e["after"]["user_id"]][2] and (n, pos) > closes[e["after"]["user_id"]][:2]}
    assert late, "no update arrives after its account's close"
    truth = {(d.day, uid) for d in days for uid in users.truth(d)["late_updates_after_closure"] if uid in closes}
    assert late == truth


@pytest.mark.parametrize("case", WINDOWS, ids=ids)
def test_orders_insert_update_delete_replay_late_and_out_of_order(case):
    days = window(case)
    delivered = [(d, e) for d in days for e in events(orders, d)]
    ops = Counter(e["op"] for _, e in delivered)
    assert ops["c"] and ops["u"] and ops["d"], ops
    texts = Counter(json.dumps(e, sort_keys=True) for _, e in delivered)
    assert max(texts.values()) > 1, "no replayed event"
    assert any(day_of(e["ts_ms"]) < d.day for d, e in delivered), "no event delivered a day late"
    seen: dict[str, int] = {}
    swapped = 0
    for _, e in delivered:
        order = (e["after"] or e["before"])["order_id"]
        swapped += e["ts_ms"] < seen.get(order, 0)
        seen[order] = max(seen.get(order, 0), e["ts_ms"])
    assert swapped, "no status change arrives after a later one of the same order"
    deletes = {e["before"]["order_id"]: e["ts_ms"] for _, e in delivered if e["op"] == "d"}
    assert deletes.keys() == {o for d in days for o in orders.truth(d)["deleted_orders"]}
    for _, e in delivered:  # nothing happens to a deleted order after the delete
        order = (e["after"] or e["before"])["order_id"]
        assert e["op"] == "d" or e["ts_ms"] < deletes.get(order, e["ts_ms"] + 1)


@pytest.mark.parametrize("case", WINDOWS, ids=ids)
def test_products_change_prices_and_discontinue_a_sku(case):
    days = window(case)
    before, after = ({r["sku_id"]: r for rows in csv_rows(products, d).values() for r in rows} for d in days)
    changed = sorted(s for s in after if after[s]["price_yuan"] != before[s]["price_yuan"])
    assert len(changed) >= 2
    assert changed == sorted(c["sku_id"] for c in products.truth(days[1])["price_changes"])
    retired = sorted(s for s in after if (before[s]["status"], after[s]["status"]) == ("on_sale", "discontinued"))
    assert retired and retired == products.truth(days[1])["newly_discontinued"]
    assert all(after[s]["status"] != "on_sale" for s in products.truth(days[1])["discontinued"])
    assert {r["status"] for r in after.values()} == {"on_sale", "discontinued"}


@pytest.mark.parametrize("case", WINDOWS, ids=ids)
def test_discontinued_skus_are_not_sold(case):
    days = window(case)
    for d in days:
        status = {r["sku_id"]: r["status"] for rows in csv_rows(products, d).values() for r in rows}
        placed = [e["after"] for e in events(orders, d) if e["op"] == "c" and e["after"]["created_at"][:10] ==
                  d.day.isoformat()]
        assert placed and all(status[i["sku_id"]] == "on_sale" for o in placed for i in o["items"])


@pytest.mark.parametrize("case", WINDOWS, ids=ids)
def test_clickstream_late_events_up_to_three_days_and_a_new_property(case):
    days = window(case)
    lags, drift = set(), 0
    for d in days:
        midnight = datetime(d.day.year, d.day.month, d.day.day, tzinfo=UTC)
        for e in events(clickstream, d):
            at = datetime.fromisoformat(e["event_time"].replace("Z", "+00:00"))
            if at < midnight:
                lags.add((midnight - at).days + 1)
            drift += clickstream.NEW_PROPERTY in e
    assert lags and max(lags) <= 3, lags
    assert drift


@pytest.mark.parametrize("case", WINDOWS, ids=ids)
def test_ad_spend_re_delivers_a_day_with_corrected_figures(case):
    days = window(case)
    files = {(d.day, name): rows for d in days for name, rows in csv_rows(ad_spend, d).items()}
    again = [(delivered, name) for delivered, name in files if not name.endswith(f"{delivered.isoformat()}.csv")]
    assert again
    for delivered, name in again:
        original = files.get((delivered - timedelta(days=1), name))
        if original is not None:  # the first delivery of that day is in the window too
            assert original != files[(delivered, name)]


@pytest.mark.parametrize("case", WINDOWS, ids=ids)
def test_payments_retry_under_one_key_and_refund(case):
    days = window(case)
    rows = [e for d in days for e in events(payments, d)]
    by_key = defaultdict(set)
    for e in rows:
        by_key[e["idempotency_key"]].add((e["payment_id"], e["status"]))
    retried = {k for k, attempts in by_key.items() if {s for _, s in attempts} >= {"failed", "succeeded"}}
    assert retried and retried <= {k for d in days for k in payments.truth(d)["retried_payments"]}
    refunds = {e["payment_id"] for e in rows if e["event_type"] == "refund"}
    assert refunds and refunds == {p for d in days for p in payments.truth(d)["refunds"]}


@pytest.mark.parametrize("case", WINDOWS, ids=ids)
def test_coupons_expire_and_are_claimed_outside_their_segment(case):
    days = window(case)
    rows = [e for d in days for e in events(coupons, d)]
    expired = [e for e in rows if e["event_type"] == "expired"]
    assert expired and all(e["event_time"] == e["valid_until"] for e in expired)
    assert len(expired) == sum(coupons.truth(d)["expired_coupons"] for d in days)
    assert any(e["event_type"] == "claimed" and e["user_segment"] != e["target_segment"] for e in rows)


@pytest.mark.parametrize("case", WINDOWS, ids=ids)
def test_inventory_misses_a_warehouse_day_and_counts_below_zero(case):
    days = window(case)
    reported = [{f.name.split("-")[1] + "-" + f.name.split("-")[2] for f in inventory.deliver(d)} for d in days]
    missing = [set(inventory.WAREHOUSES) - r for r in reported]
    assert any(missing) and all(m != set(inventory.WAREHOUSES) for m in missing)
    assert [sorted(m) for m in missing] == [sorted(inventory.truth(d)["missing_warehouses"]) for d in days]
    assert all(any(r.row["on_hand"] < 0 for f in inventory.deliver(d) for r in f.records) for d in days)
