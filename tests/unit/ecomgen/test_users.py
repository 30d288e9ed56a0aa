import json
import re
from datetime import date, timedelta

import pytest

from ecomgen import orders, people, users
from ecomgen.model import Day, midnight, ms
from ecomlake.contracts import Reason, load_contract

CONTRACT = load_contract("users")
FIRST = date(2026, 11, 1)
SCALE = 0.002
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def day(index: int, seed: int = 1, scale: float = SCALE) -> Day:
    return Day(FIRST + timedelta(days=index), seed, scale, FIRST)


def records(d: Day) -> list:
    return [r for f in users.deliver(d) for r in f.records]


def good_events(d: Day) -> list[dict]:
    return [json.loads(r.text) for r in records(d) if not r.bad_reason]


def assert_obeys_contract(row: dict) -> None:
    assert list(row) == [f.name for f in CONTRACT.fields]
    for spec in CONTRACT.fields:
        value = row[spec.name]
        if value is None:
            assert not spec.required, spec.name
            continue
        assert not spec.allowed or value in spec.allowed, (spec.name, value)
        assert spec.min is None or spec.min <= value <= spec.max, (spec.name, value)
        expected = {"int": int, "boolean": bool, "timestamp": str, "string": str}[spec.type]
        assert type(value) is expected, (spec.name, value)
        assert spec.type != "timestamp" or ISO.match(value), (spec.name, value)


def test_same_day_same_text_and_another_seed_another():
    assert [r.text for r in records(day(2))] == [r.text for r in records(day(2))]
    assert [r.text for r in records(day(2))] != [r.text for r in records(day(2, seed=2))]


def test_first_day_is_a_snapshot_of_every_account_and_later_days_are_changes():
    snapshot = good_events(day(0))
    assert {e["op"] for e in snapshot} == {"r"}
    assert sorted(e["after"]["user_id"] for e in snapshot) == [people.user_id(a) for a in range(people.accounts(SCALE))]
    for index in (1, 2):
        assert {e["op"] for e in good_events(day(index))} == {"u", "d", "c"}
    rows = {e["after"]["user_id"]: e["after"] for e in snapshot}
    seconds = [a for a in range(people.accounts(SCALE)) if people.owner(a) != a]
    assert seconds, "no second account"
    for account in seconds:
        second, first = rows[people.user_id(account)], rows[people.user_id(people.owner(account))]
        assert second["phone"] != first["phone"]
        assert second["wechat_unionid"] == first["wechat_unionid"]
        assert second["email"] in (None, people.person(1, people.owner(account)).email)


def test_good_rows_obey_the_contract_and_keys_are_the_user_id():
    for index in range(3):
        for record in records(day(index)):
            if record.bad_reason:
                assert record.key is None
                continue
            event = json.loads(record.text)
            for row in (event["before"], event["after"]):
                if row is not None:
                    assert_obeys_contract(row)
                    assert record.key == row["user_id"]


def test_changes_chain_from_the_snapshot_and_closed_accounts_never_come_back():
    state = {e["after"]["user_id"]: e["after"] for e in good_events(day(0))}
    end = ms(midnight(day(5).day))  # the events of day 5 that happened before it are yesterday's late ones
    events = {json.dumps(e, sort_keys=True): e for i in range(1, 6) for e in good_events(day(i)) if e["ts_ms"] < end}
    closed_at = {}
    for event in sorted(events.values(), key=lambda e: e["ts_ms"]):
        uid = (event["before"] or event["after"])["user_id"]
        assert uid not in closed_at, "an event after the account was closed"
        if event["op"] == "c":
            assert event["before"] is None and uid not in state
            state[uid] = event["after"]
            continue
        assert event["before"] == state[uid]
        if event["op"] == "d":
            assert event["after"] is None
            closed_at[uid] = event["ts_ms"]
        else:
            assert event["after"]["updated_at"] != event["before"]["updated_at"]
            state[uid] = event["after"]
    assert sorted(closed_at) == sorted(uid for i in range(1, 5) for uid in users.truth(day(i))["closed_accounts"])


def test_strangers_register_with_the_numbers_of_lapsed_accounts_that_fell_silent():
    snapshot = {e["after"]["user_id"]: e["after"] for e in good_events(day(0))}
    created = {e["after"]["user_id"]: e["after"] for i in range(1, 5) for e in good_events(day(i)) if e["op"] == "c"}
    newcomers = {n["user_id"]: n for i in range(1, 5) for n in users.truth(day(i))["registered_with_recycled_number"]}
    assert len(created) >= 4 and created.keys() == newcomers.keys()
    for uid, row in created.items():
        old = snapshot[newcomers[uid]["lapsed_user_id"]]
        assert uid not in snapshot and row["phone"] == old["phone"] == newcomers[uid]["phone"]
        assert old["registered_at"] < (FIRST - timedelta(days=365)).isoformat()
        assert row["wechat_unionid"] != old["wechat_unionid"] and row["email"] != old["email"]
    lapsed = {n["lapsed_user_id"] for n in newcomers.values()}
    changed = {e["after"]["user_id"] for i in range(1, 5) for e in good_events(day(i)) if e["op"] == "u"}
    ordered = {h.order["user_id"] for i in range(5)
               for h in orders.orders_placed_on(day(i).day, 1, SCALE, FIRST)}
    assert not lapsed & (changed | ordered), "a lapsed account is not silent"


def test_replays_and_a_late_update_of_an_account_closed_before_it_arrived():
    texts = [r.text for r in records(day(3)) if not r.bad_reason]
    assert len(texts) > len(set(texts)), "no replayed events"
    closed = users.truth(day(2))["closed_accounts"]
    late = users.truth(day(3))["late_updates_of_closed_accounts"]
    assert late and set(late) <= set(closed)
    close_ts = {e["before"]["user_id"]: e["ts_ms"] for e in good_events(day(2)) if e["op"] == "d"}
    arriving = [e for e in good_events(day(3)) if e["op"] == "u" and e["after"]["user_id"] in late]
    assert arriving and all(e["ts_ms"] < close_ts[e["after"]["user_id"]] for e in arriving)


def test_bad_records_are_labelled_and_few():
    for index in range(3):
        lines = records(day(index, scale=0.01))
        bad = [r for r in lines if r.bad_reason]
        assert bad and len(bad) <= CONTRACT.max_quarantine_share * len(lines)
        for record in bad:
            if record.bad_reason == Reason.MALFORMED_JSON:
                with pytest.raises(json.JSONDecodeError):
                    json.loads(record.text)
            else:
                assert record.bad_reason.split(":")[1] in json.loads(record.text)["after"]
