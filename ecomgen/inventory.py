"""WMS stock snapshots: one Parquet file per warehouse and day, for the SKUs the warehouse stocks.

A warehouse misses a day now and then (no file; never all of them on one day): each one on
its own rota every ``ROTA_DAYS`` days (the warehouses take turns, so one misses every other
day, like a WMS export that fails on its night of maintenance), and by bad luck on a few
more. A few rows per file carry a negative on-hand count, the trace of a stock-counting error.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from functools import lru_cache

from ecomgen import orders
from ecomgen.model import Day, DeliveryFile, Record, parquet_text
from ecomlake.contracts import Reason, load_contract

CONTRACT = load_contract("inventory")
WAREHOUSES = CONTRACT.field("warehouse_id").allowed
STOCKED_SHARE, MISSING_SHARE = 0.6, 0.03
ROTA_DAYS = 2 * len(WAREHOUSES)
NEGATIVE = f"{Reason.OUT_OF_RANGE}:on_hand"


@lru_cache(maxsize=8)
def _stocked(seed: int, scale: float, warehouse: str) -> tuple[int, ...]:
    """The SKU numbers a warehouse carries (the same every day)."""
    rng = random.Random(f"inventory-range:{seed}:{warehouse}")
    return tuple(n for n in range(orders.skus(scale)) if rng.random() < STOCKED_SHARE)


def missing_warehouses(day: Day) -> list[str]:
    """Warehouses that send no file on ``day``; at least one always does."""
    rng = day.rng("inventory-missing")
    turn = (day.day.toordinal() + random.Random(f"inventory-rota:{day.seed}").randrange(ROTA_DAYS)) % ROTA_DAYS
    missing = [w for n, w in enumerate(WAREHOUSES) if turn == 2 * n or rng.random() < MISSING_SHARE]
    return missing[:-1] if len(missing) == len(WAREHOUSES) else missing


def _records(day: Day, warehouse: str) -> list[Record]:
    rng = day.rng(f"inventory:{warehouse}")
    numbers = _stocked(day.seed, day.scale, warehouse)
    # A few counting errors per file, but never more than ~2.5% of it.
    miscounted = set(rng.sample(numbers, min(len(numbers), rng.randint(1, 4), max(1, len(numbers) // 40))))
    records = []
    for number in numbers:
        on_hand = 0 if rng.random() < 0.05 else rng.randrange(1, 500)
        reserved = rng.randrange(on_hand + 1) if rng.random() < 0.3 else 0
        if number in miscounted:
            on_hand = -rng.randrange(1, 20)
        row = {"snapshot_date": day.day, "warehouse_id": warehouse, "sku_id": orders.sku_id(number),
               "on_hand": on_hand, "reserved": reserved}
        key = None if on_hand < 0 else "|".join(str(row[k]) for k in CONTRACT.key)
        records.append(Record(parquet_text(row), key, NEGATIVE if on_hand < 0 else None, row))
    return records


def deliver(day: Day) -> Iterator[DeliveryFile]:
    """``inventory-<warehouse>-<date>.parquet`` for each warehouse that reported on ``day``."""
    missing = missing_warehouses(day)
    for warehouse in WAREHOUSES:
        if warehouse not in missing:
            yield DeliveryFile(f"inventory-{warehouse}-{day.day.isoformat()}.parquet", _records(day, warehouse))


def truth(day: Day) -> dict:
    return {"missing_warehouses": missing_warehouses(day)}
