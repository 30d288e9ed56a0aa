from datetime import date, timedelta

import pyarrow.parquet as pq

from ecomgen import _write_parquet, inventory, orders
from ecomgen.model import Day, parquet_text
from ecomlake.contracts import Reason, load_contract

CONTRACT = load_contract("inventory")
WAREHOUSES = CONTRACT.field("warehouse_id").allowed
FIRST = date(2026, 11, 1)
SCALE = 0.01


def day(index: int, seed: int = 1) -> Day:
    return Day(FIRST + timedelta(days=index), seed, SCALE, FIRST)


def test_same_day_same_rows_and_another_seed_another():
    def texts(d: Day) -> list[str]:
        return [r.text for f in inventory.deliver(d) for r in f.records]

    assert texts(day(0)) == texts(day(0))
    assert texts(day(0)) != texts(day(0, seed=2))


def test_parquet_rows_obey_the_contract_and_their_text_is_the_row(tmp_path):
    d = day(0)
    for file in inventory.deliver(d):
        warehouse = file.name.removeprefix("inventory-").removesuffix(f"-{d.day.isoformat()}.parquet")
        assert warehouse in WAREHOUSES
        records = list(file.records)
        _write_parquet(tmp_path / file.name, records, CONTRACT)
        rows = pq.read_table(tmp_path / file.name).to_pylist()
        assert rows == [r.row for r in records]
        for record, row in zip(records, rows, strict=True):
            assert list(row) == [f.name for f in CONTRACT.fields]
            assert None not in row.values()
            assert record.text == parquet_text(row)
            assert (row["snapshot_date"], row["warehouse_id"]) == (d.day, warehouse)
            assert orders.sku_id(0) <= row["sku_id"] <= orders.sku_id(orders.skus(SCALE) - 1)
            assert row["reserved"] >= 0
            if not record.bad_reason:
                assert row["on_hand"] >= row["reserved"]
                assert record.key == f"{d.day.isoformat()}|{warehouse}|{row['sku_id']}"


def test_negative_on_hand_is_a_labelled_counting_error_in_every_file():
    for index in range(5):
        for file in inventory.deliver(day(index)):
            records = list(file.records)
            negative = [r for r in records if r.row["on_hand"] < 0]
            assert 1 <= len(negative) <= CONTRACT.max_quarantine_share * len(records)
            assert all(r.bad_reason == f"{Reason.OUT_OF_RANGE}:on_hand" and r.key is None for r in negative)
            assert not any(r.bad_reason for r in records if r.row["on_hand"] >= 0)


def test_warehouses_miss_some_days_but_never_all_on_one_day():
    missed = []
    for index in range(40):
        d = day(index)
        delivered = {f.name.split("-")[1] + "-" + f.name.split("-")[2] for f in inventory.deliver(d)}
        missing = inventory.truth(d)["missing_warehouses"]
        assert delivered and delivered == set(WAREHOUSES) - set(missing)
        missed += missing
    assert 4 <= len(missed) <= 40 * len(WAREHOUSES) // 4
