"""CRM account change events (Debezium-style) with closures, connector replays and late events.

An account's row at any moment is a pure function of (seed, account, time), so the
``before`` of one day's event is the ``after`` of an earlier day's: every open account
changes once in each block of :data:`UPDATE_BLOCK_DAYS` days (~1% of accounts a day), on a
day drawn per block, and its n-th change is drawn from (seed, account, n). Closures are
drawn day by day from the accounts still open (at least two a day). The first two accounts
closed each day also changed their profile earlier that day, and that update reaches us
after the close: the first one's the next day, the second one's later the same day (the
connector's partitions drift apart). Silver must not bring either account back.

Recycled numbers: each day a few strangers register (op c) with the 199 number of a lapsed second account
(:func:`ecomgen.people.lapsed`), which the carrier reissued after the account fell silent. The CRM does not
unbind the number from the old account, so two accounts hold it, years apart (the truth: :func:`truth`).
"""

from __future__ import annotations

import hashlib
import json
import random
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from ecomgen import people
from ecomgen.model import (
    Day,
    DeliveryFile,
    Record,
    bad_json_records,
    iso,
    json_line,
    midnight,
    ms,
    parts,
    scatter,
)
from ecomlake.contracts import load_contract

CONTRACT = load_contract("users")
CHANNELS = CONTRACT.field("register_channel").allowed
LEVELS = CONTRACT.field("member_level").allowed
LEVEL_CUMULATIVE = (60, 85, 97)  # of 100 draws: below 60 none, below 85 silver, below 97 gold, else platinum
UPDATE_BLOCK_DAYS = 100
CLOSURES_PER_DAY_AT_SCALE_1, MIN_CLOSURES_PER_DAY = 50, 2
RECYCLED_PER_DAY_AT_SCALE_1, MIN_RECYCLED_PER_DAY = 50, 1
LAPSED_FOR_DAYS = 365  # a lapsed account registered at least this long before the history began
LATE_SHARE, REPLAY_SHARE = 0.02, 0.01


@dataclass(frozen=True)
class Closure:
    index: int  # day index of the close
    at: datetime
    late_update_at: datetime | None  # the deliberate update before the close, delivered after it
    late_delivered_at: datetime | None  # when that update reaches us: the next day, or later the same day


@dataclass(frozen=True)
class Recycling:
    index: int  # day index of the newcomer's registration
    at: datetime
    lapsed: int  # the account the number was registered to before


class _Dice:
    """Cheap draws from one hash: the opening snapshot needs one per account, and seeding a Random takes ~6 µs."""

    def __init__(self, key: str) -> None:
        self.bits = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=16).digest())

    def below(self, n: int) -> int:
        self.bits, value = divmod(self.bits, n)
        return value


def _base_row(seed: int, first_day: date, account: int) -> dict:
    """The account as it stood when the history began; some emails are only added later."""
    who = people.person(seed, people.owner(account))
    dice = _Dice(f"users-account:{seed}:{account}")
    silent = timedelta(days=LAPSED_FOR_DAYS if people.lapsed(account) else 0)
    registered = iso(midnight(first_day) - silent - timedelta(seconds=86_400 + dice.below(4 * 365 * 86_400)))
    return {
        "user_id": people.user_id(account), "phone": people.account_phone(seed, account),
        "email": who.email if dice.below(100) < 80 else None, "name": who.name, "gender": who.gender,
        "birth_year": who.birth_year, "city": who.city, "city_tier": who.city_tier,
        "register_channel": CHANNELS[dice.below(len(CHANNELS))], "registered_at": registered,
        "wechat_unionid": who.wechat_unionid, "member_level": LEVELS[bisect(LEVEL_CUMULATIVE, dice.below(100))],
        "is_private_domain_member": dice.below(100) < 20, "marketing_consent": dice.below(100) < 60,
        "updated_at": registered,
    }


def _changed(seed: int, account: int, n: int, row: dict, at: datetime) -> dict:
    """The account's n-th profile change applied to ``row``."""
    rng = random.Random(f"users-change:{seed}:{account}:{n}")
    email = people.person(seed, people.owner(account)).email
    kinds = ["member_level", "marketing_consent", "is_private_domain_member", "city"]
    if row["email"] is None and email:
        kinds.append("email")
    kind = rng.choice(kinds)
    new = {**row, "updated_at": iso(at)}
    if kind == "member_level":
        new[kind] = rng.choice([level for level in LEVELS if level != row[kind]])
    elif kind == "city":
        new["city"], new["city_tier"] = rng.choice([c for c in people.CITIES if c[0] != row["city"]])
    elif kind == "email":
        new["email"] = email
    else:
        new[kind] = not row[kind]
    return new


@lru_cache(maxsize=8)  # every change lookup walks all blocks so far: keep 800 days of them
def _block_offsets(seed: int, accounts: int, block: int) -> tuple[int, ...]:
    """For each account, the day within the block on which it changes."""
    rng = random.Random(f"users-updates:{seed}:{block}")
    return tuple(rng.choices(range(UPDATE_BLOCK_DAYS), k=accounts))


@lru_cache(maxsize=4)
def _closures(seed: int, scale: float, first_day: date, upto: int) -> dict[int, Closure]:
    """Every account closed on day index 1..``upto``."""
    accounts = people.accounts(scale)
    per_day = max(MIN_CLOSURES_PER_DAY, int(CLOSURES_PER_DAY_AT_SCALE_1 * scale))
    closed: dict[int, Closure] = {}
    for index in range(1, upto + 1):
        day = first_day + timedelta(days=index)
        rng = random.Random(f"users-close:{seed}:{day.isoformat()}")
        picked = 0
        for _ in range(per_day * 20):  # bounded: at tiny scales the accounts run out
            if picked == per_day:
                break
            account = rng.randrange(accounts)
            if account in closed:
                continue
            at = midnight(day) + timedelta(seconds=rng.randrange(6 * 3_600, 86_400), milliseconds=rng.randrange(1000))
            late = delivered = None
            if picked < 2:
                late = at - timedelta(seconds=rng.randrange(600, 5 * 3_600))
                delivered = midnight(day) + timedelta(days=1, seconds=rng.randrange(86_400)) if picked == 0 else \
                    at + timedelta(seconds=rng.randrange(1, 600))
            closed[account] = Closure(index, at, late, delivered)
            picked += 1
    return closed


@lru_cache(maxsize=4)
def _recycled(seed: int, scale: float, first_day: date, upto: int) -> dict[int, Recycling]:
    """Every newcomer (account number) registered with a lapsed account's number on day index 1..``upto``."""
    accounts = people.accounts(scale)
    per_day = max(MIN_RECYCLED_PER_DAY, int(RECYCLED_PER_DAY_AT_SCALE_1 * scale))
    recycled: dict[int, Recycling] = {}
    taken: set[int] = set()
    for index in range(1, upto + 1):
        day = first_day + timedelta(days=index)
        rng = random.Random(f"users-recycle:{seed}:{day.isoformat()}")
        for n in range(per_day):
            lapsed = next((a for a in (rng.randrange(accounts) for _ in range(accounts))
                           if people.lapsed(a) and a not in taken), None)
            if lapsed is None:  # bounded: at tiny scales the lapsed accounts run out
                break
            taken.add(lapsed)
            at = midnight(day) + timedelta(seconds=rng.randrange(86_400), milliseconds=rng.randrange(1000))
            recycled[accounts + (index - 1) * per_day + n] = Recycling(index, at, lapsed)
    return recycled


def _newcomer_row(seed: int, account: int, recycling: Recycling) -> dict:
    """A stranger's new account, registered with the lapsed account's number."""
    who = people.newcomer(seed, account)
    dice = _Dice(f"users-newcomer:{seed}:{account}")
    registered = iso(recycling.at)
    return {
        "user_id": people.user_id(account), "phone": people.account_phone(seed, recycling.lapsed),
        "email": who.email, "name": who.name, "gender": who.gender, "birth_year": who.birth_year,
        "city": who.city, "city_tier": who.city_tier, "register_channel": CHANNELS[dice.below(len(CHANNELS))],
        "registered_at": registered, "wechat_unionid": who.wechat_unionid, "member_level": LEVELS[0],
        "is_private_domain_member": False, "marketing_consent": dice.below(100) < 60, "updated_at": registered,
    }


def _update(day: Day, account: int, index: int) -> tuple[datetime, bool]:
    """When an account's regular change on day ``index`` happened, and whether it is delivered a day late."""
    rng = random.Random(f"users-update:{day.seed}:{account}:{index}")
    at = midnight(day.first_day + timedelta(days=index)) + timedelta(seconds=rng.randrange(86_400),
                                                                       milliseconds=rng.randrange(1000))
    return at, rng.random() < LATE_SHARE


def _updated_on(day: Day, index: int, closed: dict[int, Closure]) -> list[int]:
    """Accounts with a regular change on day ``index`` (≥ 1): none on or after their close day."""
    offsets = _block_offsets(day.seed, people.accounts(day.scale), (index - 1) // UPDATE_BLOCK_DAYS)
    offset = (index - 1) % UPDATE_BLOCK_DAYS
    return [a for a, o in enumerate(offsets) if o == offset and (a not in closed or closed[a].index > index)
            and not people.lapsed(a)]


def _rows(day: Day, account: int, closed: dict[int, Closure], upto: int) -> list[dict]:
    """The account's row before any change, then after each change up to day index ``upto``."""
    closure = closed.get(account)
    last = min(upto, closure.index - 1) if closure else upto
    times = []
    for block in range(0 if people.lapsed(account) else max(0, last - 1) // UPDATE_BLOCK_DAYS + 1):
        index = block * UPDATE_BLOCK_DAYS + 1 + _block_offsets(day.seed, people.accounts(day.scale), block)[account]
        if index <= last:
            times.append(_update(day, account, index)[0])
    if closure and closure.late_update_at and closure.index <= upto:
        times.append(closure.late_update_at)
    rows = [_base_row(day.seed, day.first_day, account)]
    for n, at in enumerate(times, start=1):
        rows.append(_changed(day.seed, account, n, rows[-1], at))
    return rows


def _event(op: str, ts: datetime, before: dict | None, after: dict | None) -> str:
    return json_line({"op": op, "ts_ms": ms(ts), "before": before, "after": after})


def _changes(day: Day) -> list[tuple[datetime, Record, dict]]:
    """(delivery time, record, row) of the day's updates and closures, before replays."""
    index = day.index
    closed = _closures(day.seed, day.scale, day.first_day, index)
    timed = []

    def update(account: int, at: datetime, upto: int, delivered: datetime | None = None) -> None:
        before, after = _rows(day, account, closed, upto)[-2:]
        timed.append((delivered or at, Record(_event("u", at, before, after), after["user_id"]), after))

    for account in _updated_on(day, index, closed):
        at, late = _update(day, account, index)
        if not late:
            update(account, at, index)
    if index > 1:
        for account in _updated_on(day, index - 1, closed):
            at, late = _update(day, account, index - 1)
            if late:
                update(account, at, index - 1)
    for account, closure in closed.items():
        if closure.late_delivered_at and closure.late_delivered_at.date() == day.day:
            update(account, closure.late_update_at, closure.index, closure.late_delivered_at)
        if closure.index == index:
            before = _rows(day, account, closed, index)[-1]
            timed.append((closure.at, Record(_event("d", closure.at, before, None), before["user_id"]), before))
    for account, recycling in _recycled(day.seed, day.scale, day.first_day, index).items():
        if recycling.index == index:
            row = _newcomer_row(day.seed, account, recycling)
            timed.append((recycling.at, Record(_event("c", recycling.at, None, row), row["user_id"]), row))
    return timed


def _snapshot(day: Day) -> Iterator[Record]:
    start = midnight(day.first_day)
    for account in range(people.accounts(day.scale)):
        row = _base_row(day.seed, day.first_day, account)
        yield Record(_event("r", start, None, row), row["user_id"])


def deliver(day: Day) -> Iterator[DeliveryFile]:
    """The CRM feed of ``day``: the opening snapshot on the first day, then changes, replays and late events."""
    rng = day.rng("users-delivery")
    if day.index == 0:
        records = list(_snapshot(day))
        sample = [json.loads(r.text)["after"] for r in records[:2000]]
    else:
        timed = _changes(day)
        sample = [row for _, _, row in timed[:2000]] or [_base_row(day.seed, day.first_day, 0)]
        for at, record, _ in rng.sample(timed, max(1, int(len(timed) * REPLAY_SHARE))) if timed else ():
            timed.append((at + timedelta(minutes=rng.randrange(1, 30)), record, {}))  # the connector replays it
        timed.sort(key=lambda item: item[0])
        records = [record for _, record, _ in timed]
    op = "r" if day.index == 0 else "u"
    bad = bad_json_records(CONTRACT, day, sample, len(records), wrap=lambda row: {
        "op": op, "ts_ms": ms(midnight(day.day)), "before": None, "after": row})
    return parts("users", day.day, scatter(rng, records, bad))


def truth(day: Day) -> dict:
    """Accounts closed on ``day``; accounts whose pre-close update arrives today after the close (all, and
    those closed yesterday); strangers who registered with a recycled number, with their identifiers (the
    number is theirs from now on: it overrides the identity truth's owner)."""
    closed = _closures(day.seed, day.scale, day.first_day, max(0, day.index))
    late = {a for a, c in closed.items() if c.late_delivered_at and c.late_delivered_at.date() == day.day}
    newcomers = [(account, _newcomer_row(day.seed, account, r), r.lapsed) for account, r in
                 _recycled(day.seed, day.scale, day.first_day, max(0, day.index)).items() if r.index == day.index]
    return {
        "registered_with_recycled_number": [
            {"person_id": people.newcomer(day.seed, account).person_id,
             "user_id": row["user_id"], "phone": row["phone"], "email": row["email"],
             "wechat_unionid": row["wechat_unionid"], "lapsed_user_id": people.user_id(lapsed)}
            for account, row, lapsed in newcomers],
        "closed_accounts": sorted(people.user_id(a) for a, c in closed.items() if c.index == day.index),
        "late_updates_of_closed_accounts": sorted(
            people.user_id(a) for a in late if closed[a].index == day.index - 1),
        "late_updates_after_closure": sorted(people.user_id(a) for a in late),
    }
