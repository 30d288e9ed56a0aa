"""The shop's customers: real people, their accounts and identifiers, as pure functions of (seed, number).

Account ``a`` (``U{a:08d}``) belongs to person ``a``, except every twentieth
account (``a % 20 == 19``), a second account the person ``a - 1`` opened with
another phone but the same email, WeChat and device. Pairs of people in one
household share a device (``n % 50 == 1`` shares ``n - 1``'s). The service
hotline is typed into tickets but belongs to nobody. Identity resolution is
scored against :func:`identity_rows`.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

USERS_AT_SCALE_1 = 500_000
HOTLINE = "400-820-8820"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋",
         "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "慧")
CITIES = (("上海", 1), ("北京", 1), ("广州", 1), ("深圳", 1), ("成都", 2), ("杭州", 2), ("武汉", 2), ("西安", 2),
          ("苏州", 2), ("长沙", 2), ("郑州", 2), ("佛山", 3), ("南宁", 3), ("洛阳", 4), ("赣州", 4), ("大理", 5))
DISTRICTS = ("中山路", "人民路", "解放路", "建设路", "和平路", "新华路")
EMAIL_DOMAINS = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com")


def accounts(scale: float) -> int:
    return max(20, int(USERS_AT_SCALE_1 * scale))


def owner(account: int) -> int:
    """The person number an account belongs to."""
    return account - 1 if account % 20 == 19 else account


def user_id(account: int) -> str:
    return f"U{account:08d}"


@dataclass(frozen=True)
class Person:
    number: int
    name: str
    gender: str
    birth_year: int | None
    city: str
    city_tier: int
    phone: str
    second_phone: str
    email: str | None
    wechat_unionid: str | None
    devices: tuple[str, ...]
    address: str

    @property
    def person_id(self) -> str:
        return f"P{self.number:08d}"


def _digest(seed: int, *parts: object) -> str:
    return hashlib.md5(":".join(map(str, (seed, *parts))).encode()).hexdigest()


@lru_cache(maxsize=65_536)
def person(seed: int, number: int) -> Person:
    rng = random.Random(f"person:{seed}:{number}")
    city, tier = CITIES[rng.randrange(len(CITIES))]
    devices = [f"D{number:09d}"]
    if rng.random() < 0.3:
        devices.append(f"D{number:09d}b")
    if number % 50 == 1:  # a family device shared with the person next door in the numbering
        devices.append(f"D{number - 1:09d}")
    return Person(
        number=number,
        name=rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else ""),
        gender=rng.choice("FFMMU"),
        birth_year=rng.randrange(1955, 2008) if rng.random() < 0.8 else None,
        city=city,
        city_tier=tier,
        # 13x–18x then nine digits: a bijection of the number, so no two people share a phone.
        phone=f"1{3 + number % 6}{(number * 2654435761 + seed * 7919) % 10**9:09d}",
        second_phone=f"199{(number * 40503 + seed) % 10**8:08d}",
        email=f"{_digest(seed, 'email', number)[:8]}{number}@{EMAIL_DOMAINS[number % len(EMAIL_DOMAINS)]}"
        if rng.random() < 0.6 else None,
        wechat_unionid=f"oU{_digest(seed, 'wx', number)[:26]}" if rng.random() < 0.7 else None,
        devices=tuple(devices),
        address=f"{city}市{rng.choice(DISTRICTS)}{rng.randrange(1, 999)}号"
                f"{rng.randrange(1, 30)}0{rng.randrange(1, 9)}室",
    )


def account_phone(seed: int, account: int) -> str:
    """The phone an account was registered with: the second phone for a person's second account."""
    who = person(seed, owner(account))
    return who.second_phone if account != who.number else who.phone


def anonymous_id(device: str) -> str:
    """The SDK's visitor id on a device (one per device, before and after login)."""
    return "anon-" + hashlib.md5(device.encode()).hexdigest()[:16]


def identity_rows(seed: int, scale: float) -> Iterator[tuple[str, str, str]]:
    """(identifier type, identifier, person id) for every identifier of every account; shared ones repeat."""
    yield "phone", HOTLINE, ""
    for account in range(accounts(scale)):
        who = person(seed, owner(account))
        pid = who.person_id
        yield "user_id", user_id(account), pid
        yield "phone", account_phone(seed, account), pid
        if account != who.number:
            continue  # a second account adds no identifiers of its own beyond id and phone
        if who.email:
            yield "email", who.email, pid
        if who.wechat_unionid:
            yield "wechat_unionid", who.wechat_unionid, pid
        for device in who.devices:
            yield "device_id", device, pid
            yield "anonymous_id", anonymous_id(device), pid
