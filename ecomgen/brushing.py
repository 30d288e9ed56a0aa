"""Order brushing (刷单) and the honest crowds that look like it.

A ring rents a few farm phones and one or two drop addresses in one city, and has 8 to 25 bought accounts
(real, mostly quiet ones) place 15 to 40 orders of its one or two target SKUs over one to four hours of any
time of day. Half the rings script the shortest path to the purchase; the other half have their phones
browse like shoppers first, so "bought without browsing" finds only some. The device ids and addresses
look like everyone else's.

Crowd brushing (刷手) leaves no shared phone or address: a shop posts a task in a chat group of 20 workers on
a task platform (the same workers from day to day, 60 groups at scale 1), and 4 to 10 of them each buy its
target SKU once within two to six hours, from their own phones to their own addresses, browsing as the task
tells them; the shop refunds them off the platform. A group takes six tasks a day, so its workers keep
buying the same SKUs on the same days as each other (lockstep), which honest shoppers do not. About one
seat in ten goes to a casual worker who takes this one task and is never seen again, whom no lockstep finds.

What must not be taken for a ring: a flash sale, where one SKU draws a crowd of real buyers in half an
hour, each on their own phone and to their own address (or a pick-up station, whose address hundreds share);
families sharing a tablet (:mod:`ecomgen.people`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ecomgen import people
from ecomgen.model import midnight

RINGS_PER_DAY = 2
RING_ACCOUNTS, RING_ORDERS, RING_HOURS = (8, 25), (15, 40), (1, 4)
RING_DEVICES, RING_ADDRESSES, RING_TARGETS = (2, 4), (1, 2), (1, 2)
SCRIPTED_SHARE = 0.5
# Farm phones are numbered far above any person's devices (D<person number>), so no one owns one.
FARM_DEVICES_FROM = 900_000_000
CROWD_GROUP_SIZE, CROWD_GROUPS_AT_SCALE_1, CROWD_TASKS_PER_GROUP = 20, 60, 6
CROWD_WORKERS, CROWD_HOURS, CROWD_CASUAL_SHARE = (4, 10), (2, 6), 0.1
FLASH_SALE_BUYERS_AT_SCALE_1, MIN_FLASH_SALE_BUYERS, FLASH_SALE_MINUTES = 300, 10, 30


@dataclass(frozen=True)
class RingOrder:
    """One fake order: who, when, from which phone, to which address, which target SKU number."""

    account: int
    created: datetime
    device: str
    address: str
    target: int
    scripted: bool


def ring_orders(day: date, seed: int, scale: float, targets: list[int]) -> list[RingOrder]:
    """The day's rings' orders, oldest first; ``targets`` are SKU numbers on sale that day to draw from."""
    rng = random.Random(f"brushing:{seed}:{day.isoformat()}")
    orders = []
    for _ in range(RINGS_PER_DAY):
        members = [people.active_account(rng, scale) for _ in range(rng.randint(*RING_ACCOUNTS))]
        devices = [f"D{rng.randrange(FARM_DEVICES_FROM, 10**9):09d}" for _ in range(rng.randint(*RING_DEVICES))]
        city = rng.choice(people.CITIES)[0]
        addresses = [f"{city}市{rng.choice(people.DISTRICTS)}{rng.randrange(1, 999)}号"
                     for _ in range(rng.randint(*RING_ADDRESSES))]
        skus = rng.sample(targets, min(len(targets), rng.randint(*RING_TARGETS)))
        scripted = rng.random() < SCRIPTED_SHARE
        begin = midnight(day) + timedelta(seconds=rng.randrange(19 * 3_600))
        span = rng.randint(*RING_HOURS) * 3_600
        for offset in sorted(rng.randrange(span) for _ in range(rng.randint(*RING_ORDERS))):
            created = begin + timedelta(seconds=offset, milliseconds=rng.randrange(1000))
            orders.append(RingOrder(rng.choice(members), created, rng.choice(devices), rng.choice(addresses),
                                    rng.choice(skus), scripted))
    return sorted(orders, key=lambda o: o.created)


@dataclass(frozen=True)
class CrowdOrder:
    """One crowd worker's task order: who, when, which target SKU number."""

    account: int
    created: datetime
    target: int


def crowd_groups(seed: int, scale: float) -> list[list[int]]:
    """The task platform's worker groups, the same on every day: each a list of accounts."""
    rng = random.Random(f"crowd-groups:{seed}")
    return [[people.active_account(rng, scale) for _ in range(CROWD_GROUP_SIZE)]
            for _ in range(max(1, round(CROWD_GROUPS_AT_SCALE_1 * scale)))]


def crowd_orders(day: date, seed: int, scale: float, targets: list[int]) -> list[CrowdOrder]:
    """The day's crowd task orders, oldest first; ``targets`` are SKU numbers on sale that day."""
    rng = random.Random(f"crowd:{seed}:{day.isoformat()}")
    orders = []
    for group in crowd_groups(seed, scale):
        for _ in range(CROWD_TASKS_PER_GROUP):
            sku = rng.choice(targets)
            begin = midnight(day) + timedelta(seconds=rng.randrange(18 * 3_600))
            span = rng.randint(*CROWD_HOURS) * 3_600
            orders += [CrowdOrder(account, begin + timedelta(seconds=rng.randrange(span),
                                                             milliseconds=rng.randrange(1000)), sku)
                       for account in _workers(rng, scale, group)]
    return sorted(orders, key=lambda o: o.created)


def _workers(rng: random.Random, scale: float, group: list[int]) -> list[int]:
    """One task's workers: the group's, each seat taken by a casual worker now and then."""
    return [people.active_account(rng, scale) if rng.random() < CROWD_CASUAL_SHARE else account
            for account in rng.sample(group, rng.randint(*CROWD_WORKERS))]


def flash_sale(day: date, seed: int, scale: float, targets: list[int]) -> tuple[int, datetime, list[int]]:
    """The day's flash sale: its SKU number, its start, and the accounts that buy it within half an hour."""
    rng = random.Random(f"flash-sale:{seed}:{day.isoformat()}")
    sku = rng.choice(targets)
    start = midnight(day) + timedelta(hours=rng.randrange(9, 22))
    buyers = max(MIN_FLASH_SALE_BUYERS, int(FLASH_SALE_BUYERS_AT_SCALE_1 * scale))
    return sku, start, [people.active_account(rng, scale) for _ in range(buyers)]
