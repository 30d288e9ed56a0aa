import csv
import re
from collections import defaultdict
from datetime import date, timedelta
from functools import cache

from ecomgen import people, service
from ecomgen.model import Day, breakages
from ecomgen.orders import orders_placed_on
from ecomlake.contracts import load_contract

FIRST = date(2026, 11, 20)
CONTRACT = load_contract("service")
COLUMNS = [f.name for f in CONTRACT.fields]
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def day(index: int = 0, seed: int = 1, scale: float = 0.02) -> Day:
    return Day(FIRST + timedelta(days=index), seed, scale, FIRST)


@cache
def delivery(d: Day) -> tuple:
    (file,) = service.deliver(d)
    return file.name, file.header, tuple(file.records)


@cache
def tickets(d: Day) -> tuple[dict, ...]:
    """Good rows as silver reads them: empty is null."""
    lines = [r.text for r in delivery(d)[2] if not r.bad_reason]
    return tuple({k: v or None for k, v in zip(COLUMNS, row, strict=True)} for row in csv.reader(lines))


def digits(phone: str) -> str:
    """silver's normalized_phone."""
    only = re.sub(r"[^0-9]", "", phone)
    return only[2:] if len(only) == 13 and only.startswith("86") else only


def test_same_day_same_text_another_seed_other_text():
    texts = [r.text for r in delivery(day())[2]]
    assert texts == [r.text for f in service.deliver(day()) for r in f.records]
    assert texts != [r.text for r in delivery(day(seed=2))[2]]


def test_one_csv_with_the_contract_header_and_about_one_ticket_per_50_orders():
    name, header, _ = delivery(day())
    assert name == "tickets-2026-11-20.csv" and header == ",".join(COLUMNS)
    assert len(tickets(day())) == 100_000 * 0.02 // 50


def test_good_rows_obey_the_contract_and_keys_are_unique():
    for d in (day(0), day(3)):
        good = [r for r in delivery(d)[2] if not r.bad_reason]
        assert len({r.key for r in good}) == len(good)
        for record, row in zip(good, tickets(d), strict=True):
            assert record.key == row["ticket_id"] and "\n" not in record.text
            for spec in CONTRACT.fields:
                value = row[spec.name]
                if value is None:
                    assert not spec.required, (spec.name, row)
                    continue
                assert not spec.allowed or value in spec.allowed, (spec.name, row)
                assert spec.type != "timestamp" or ISO.match(value), (spec.name, row)
            if row["nps_score"] is not None:  # surveys go out on resolution
                assert row["resolved_at"] and 0 <= int(row["nps_score"]) <= 10
            assert row["opened_at"] <= row["updated_at"] and row["updated_at"][:10] == d.day.isoformat()


def test_bad_lines_carry_a_reason_ingestion_can_detect():
    bad = [r for r in delivery(day())[2] if r.bad_reason]
    reasons = {kind[0] for kind in breakages(CONTRACT)} | {"malformed_csv"}
    assert bad and {r.bad_reason for r in bad} <= reasons


def test_one_persons_phone_is_typed_in_several_formats():
    spelled = defaultdict(set)
    for index in range(3):
        for row in tickets(day(index)):
            if row["contact_phone"] and row["contact_phone"] != people.HOTLINE:
                spelled[digits(row["contact_phone"])].add(row["contact_phone"])
    assert sum(len(s) > 1 for s in spelled.values()) >= 3
    assert {len(p) for p in spelled} == {11}
    assert len({p for s in spelled.values() for p in s if " " in p or "-" in p or p.startswith("+86")}) > 5


def test_order_tickets_carry_the_buyers_phone():
    d = day(2)
    def buyer_phone(user_id: str) -> str:  # not the shipping phone: parcels also go to stations and relatives
        return people.person(d.seed, people.owner(int(user_id.removeprefix("U")))).phone

    phones = {h.order["order_id"]: buyer_phone(h.order["user_id"]) for back in range(service.ORDER_DAYS)
              for h in orders_placed_on(d.day - timedelta(days=back), d.seed, d.scale, d.first_day)
              if h.order["user_id"]}  # guests' orders get no tickets
    about_orders = [t for t in tickets(d) if t["order_id"] and t["contact_phone"]
                    and t["contact_phone"] != people.HOTLINE and t["opened_at"][:10] == d.day.isoformat()]
    assert len(about_orders) > 5
    assert all(digits(t["contact_phone"]) == phones[t["order_id"]] for t in about_orders)


def test_agents_type_the_hotline_into_several_tickets():
    hotline = [t["ticket_id"] for t in tickets(day(1)) if t["contact_phone"] == people.HOTLINE]
    opened_today = [t for t in hotline if t.startswith("TK20261121")]
    assert len(opened_today) >= 2
    assert service.truth(day(1))["hotline_tickets"] == sorted(opened_today)


def test_some_customers_give_only_an_email_sometimes_in_capitals():
    emails = [t["contact_email"] for i in range(3) for t in tickets(day(i)) if t["contact_email"]]
    assert emails and any(e != e.lower() for e in emails) and any(e == e.lower() for e in emails)


def test_a_ticket_resolved_the_next_day_is_exported_again_with_its_new_state():
    yesterday = {t["ticket_id"]: t for t in tickets(day(0))}
    again = [t for t in tickets(day(1)) if t["ticket_id"] in yesterday]
    assert again
    for t in again:
        assert t["updated_at"] > yesterday[t["ticket_id"]]["updated_at"]
    assert any(t["resolved_at"] and not yesterday[t["ticket_id"]]["resolved_at"] for t in again)
