import csv
import re
from datetime import date, timedelta
from decimal import Decimal

from ecomgen import orders, products
from ecomgen.model import Day, money_yuan
from ecomlake.contracts import Reason, load_contract

CONTRACT = load_contract("products")
COLUMNS = [f.name for f in CONTRACT.fields]
FIRST = date(2026, 11, 1)
SCALE = 0.01
CHINESE = re.compile(r"[\u4e00-\u9fff]")
MONEY = re.compile(r"^\d+\.\d{2}$")


def day(index: int, seed: int = 1) -> Day:
    return Day(FIRST + timedelta(days=index), seed, SCALE, FIRST)


def snapshot(d: Day) -> dict[str, dict]:
    """The good rows of the day's file, parsed with its header, by SKU."""
    (file,) = products.deliver(d)
    assert file.name == f"products-{d.day.isoformat()}.csv"
    good = [r.text for r in file.records if not r.bad_reason]
    rows = list(csv.DictReader([file.header, *good]))
    return {row["sku_id"]: row for row in rows}


def test_same_day_same_text_and_another_seed_another():
    def texts(d: Day) -> list[str]:
        return [r.text for f in products.deliver(d) for r in f.records]

    assert texts(day(3)) == texts(day(3))
    assert texts(day(3)) != texts(day(3, seed=2))


def test_every_sku_once_with_rows_that_obey_the_contract():
    d = day(0)
    (file,) = products.deliver(d)
    assert file.header == ",".join(COLUMNS)
    rows = snapshot(d)
    assert sorted(rows) == [orders.sku_id(n) for n in range(orders.skus(SCALE))]
    for sku, row in rows.items():
        for spec in CONTRACT.fields:
            assert row[spec.name] or not spec.required, (sku, spec.name)
            assert not spec.allowed or row[spec.name] in spec.allowed
        assert CHINESE.search(row["product_name"]) and row["product_name"].startswith(row["brand"])
        assert row["category_l3"] in row["product_name"]
        assert MONEY.match(row["price_yuan"]) and MONEY.match(row["cost_yuan"])
        assert Decimal(row["cost_yuan"]) < Decimal(row["price_yuan"])
        assert date.fromisoformat(row["launched_on"]) < FIRST
        assert row["snapshot_date"] == d.day.isoformat()
    assert all(r.key == r.text.split(",")[0] for r in file.records if not r.bad_reason)


def test_catalog_price_is_the_price_orders_sell_at_and_some_change_weekly():
    this_week, next_week = snapshot(day(0)), snapshot(day(7))
    for n in range(orders.skus(SCALE)):
        row = this_week[orders.sku_id(n)]
        assert Decimal(row["price_yuan"]) == money_yuan(orders.list_price_fen(n, day(0).day, SCALE))
    changed = [sku for sku in this_week if this_week[sku]["price_yuan"] != next_week[sku]["price_yuan"]]
    assert 0 < len(changed) < len(this_week) // 2
    assert all(this_week[sku]["cost_yuan"] == next_week[sku]["cost_yuan"] for sku in this_week)


def test_discontinued_skus_stay_in_the_snapshot_from_their_day_on():
    """One more a day at this scale (two before the history began), until half the catalog is gone."""
    seen: set[str] = set()
    for index in range(0, 120, 5):
        rows = snapshot(day(index))
        assert len(rows) == orders.skus(SCALE)
        discontinued = {sku for sku, row in rows.items() if row["status"] == "discontinued"}
        assert seen <= discontinued
        assert len(discontinued) == min(index + 3, orders.skus(SCALE) // 2)
        seen = discontinued


def test_bad_lines_are_labelled_and_few():
    reasons = set()
    for index in range(10):
        (file,) = products.deliver(day(index))
        lines = list(file.records)
        bad = [r for r in lines if r.bad_reason]
        assert bad and len(bad) <= CONTRACT.max_quarantine_share * len(lines)
        for record in bad:
            assert record.key is None
            values = next(csv.reader([record.text]))
            assert (len(values) < len(COLUMNS)) == (record.bad_reason == Reason.MALFORMED_CSV)
        reasons |= {r.bad_reason for r in bad}
    assert {Reason.MALFORMED_CSV, f"{Reason.MISSING_REQUIRED}:sku_id", f"{Reason.BAD_TYPE}:price_yuan",
            f"{Reason.OUT_OF_RANGE}:cost_yuan", f"{Reason.NOT_ALLOWED}:status"} <= reasons
