"""The shop's customers: real people, their accounts and identifiers, as pure functions of (seed, number).

Account ``a`` (``U{a:08d}``) belongs to person ``a``, except about one in twenty (drawn from a hash
of the number, so no pattern to learn): a second account that one of the five accounts before it
opened with another phone but the same email, WeChat and devices. The identity world has the traps a
real shop's has, each in the ground truth (:func:`identity_rows`):

- families: a person who signed up with a family member's email, or also uses a family member's
  device (the truth lists the email or device under its owner; the resolution, seeing two customers
  use it, gives it to neither);
- gifts: orders shipped to a relative's or friend's phone, some of whom have no account
  (:func:`relative`, people numbered from :data:`RELATIVES_FROM`);
- pick-up stations: orders shipped to a parcel station whose phone hundreds of accounts type in
  (:func:`station`; the phone belongs to nobody);
- the service hotline, typed into tickets, belonging to nobody;
- lapsed second accounts (:func:`lapsed`): the person gave up the account and its 199 number long ago, and
  the carrier reissues the number to a stranger who registers with it (a recycled number, ``users``).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

USERS_AT_SCALE_1 = 500_000
HOTLINE = "400-820-8820"
SECOND_ACCOUNT_SHARE, FAMILY_EMAIL_SHARE, FAMILY_DEVICE_SHARE = 0.05, 0.02, 0.03
LAPSED_SHARE_OF_SECOND_ACCOUNTS = 0.3
# Recipients of gifts who are no customer of ours are people from this number on (one per customer).
RELATIVES_FROM = 50_000_000
# Strangers who register with a recycled number: person NEWCOMERS_FROM + their account number.
NEWCOMERS_FROM = 60_000_000
STATIONS_PER_CITY = 4
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋",
         "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "慧")
CITIES = (("上海", 1), ("北京", 1), ("广州", 1), ("深圳", 1), ("成都", 2), ("杭州", 2), ("武汉", 2), ("西安", 2),
          ("苏州", 2), ("长沙", 2), ("郑州", 2), ("佛山", 3), ("南宁", 3), ("洛阳", 4), ("赣州", 4), ("大理", 5))
DISTRICTS = ("中山路", "人民路", "解放路", "建设路", "和平路", "新华路")
EMAIL_DOMAINS = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com")


def accounts(scale: float) -> int:
    return max(20, int(USERS_AT_SCALE_1 * scale))


def draw(*parts: object) -> float:
    """A uniform number in [0, 1) from a hash of ``parts``: the same parts, the same draw."""
    return int(hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).hexdigest(), 16) / 2**64


def _earlier(kind: str, number: int) -> int:
    """One of the five numbers before ``number``, drawn: a family member or the first account of a person."""
    return number - 1 - int(draw(kind, "of", number) * min(number, 5))


@lru_cache(maxsize=262_144)
def owner(account: int) -> int:
    """The person number an account belongs to: its own, or its first account's for a second account."""
    if account > 0 and draw("second-account", account) < SECOND_ACCOUNT_SHARE:
        return owner(_earlier("second-account", account))
    return account


def user_id(account: int) -> str:
    return f"U{account:08d}"


def lapsed(account: int) -> bool:
    """A second account its person gave up, with its number, long before the history began: it never orders,
    browses, claims a coupon or calls again (the person shops with their first account)."""
    return account != owner(account) and draw("lapsed", account) < LAPSED_SHARE_OF_SECOND_ACCOUNTS


def newcomer(seed: int, account: int) -> Person:
    """The stranger behind an account registered with a recycled number."""
    return person(seed, NEWCOMERS_FROM + account)


def active_account(rng: random.Random, scale: float) -> int:
    """A random account still in use (never a lapsed one)."""
    while lapsed(account := rng.randrange(accounts(scale))):
        pass
    return account


@dataclass(frozen=True)
class Person:
    number: int
    name: str
    gender: str
    birth_year: int | None
    city: str
    city_tier: int
    phone: str
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
    if family_device_of(number) is not None:
        devices.append(f"D{family_device_of(number):09d}")
    own_email = (f"{_digest(seed, 'email', number)[:8]}{number}@{EMAIL_DOMAINS[number % len(EMAIL_DOMAINS)]}"
                 if rng.random() < 0.6 else None)
    family = family_email_of(number)
    return Person(
        number=number,
        name=rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else ""),
        gender=rng.choice("FFMMU"),
        birth_year=rng.randrange(1955, 2008) if rng.random() < 0.8 else None,
        city=city,
        city_tier=tier,
        # 13x–18x then nine digits: a bijection of the number, so no two people share a phone.
        phone=f"1{3 + number % 6}{(number * 2654435761 + seed * 7919) % 10**9:09d}",
        email=person(seed, family).email or own_email if family is not None else own_email,
        wechat_unionid=f"oU{_digest(seed, 'wx', number)[:26]}" if rng.random() < 0.7 else None,
        devices=tuple(devices),
        address=f"{city}市{rng.choice(DISTRICTS)}{rng.randrange(1, 999)}号"
                f"{rng.randrange(1, 30)}0{rng.randrange(1, 9)}室",
    )


def _family_member(kind: str, share: float, number: int) -> int | None:
    """A person (not a second account) among the five before ``number`` whose ``kind`` it shares, if any."""
    if number == 0 or draw(kind, number) >= share:
        return None
    return owner(_earlier(kind, number))


def family_email_of(number: int) -> int | None:
    """The family member whose email this person signed up with, if any."""
    return _family_member("family-email", FAMILY_EMAIL_SHARE, number)


def family_device_of(number: int) -> int | None:
    """The family member whose device this person also uses, if any."""
    return _family_member("family-device", FAMILY_DEVICE_SHARE, number)


def account_phone(seed: int, account: int) -> str:
    """The phone an account was registered with: a second account's own 199 number."""
    who = person(seed, owner(account))
    return f"199{(account * 40503 + seed) % 10**8:08d}" if account != who.number else who.phone


def relative(seed: int, number: int, scale: float) -> Person:
    """The one person a customer sends gifts to: another customer for half of them, else someone without
    an account."""
    if draw(seed, "relative", number) < 0.5:
        return person(seed, owner(int(draw(seed, "relative-of", number) * accounts(scale))))
    return person(seed, RELATIVES_FROM + number)


def station(seed: int, city: str, n: int) -> tuple[str, str]:
    """Phone and address of the ``n``-th parcel pick-up station of ``city``."""
    index = [c for c, _ in CITIES].index(city)
    return f"0{20 + index}-{(index * 7_919 + n * 104_729 + seed) % 10**8:08d}", f"{city}市菜鸟驿站{n + 1}号点"


def anonymous_id(device: str) -> str:
    """The SDK's visitor id on a device (one per device, before and after login)."""
    return "anon-" + hashlib.md5(device.encode()).hexdigest()[:16]


def identity_rows(seed: int, scale: float) -> Iterator[tuple[str, str, str]]:
    """(identifier type, identifier, person id) for every identifier the sources can carry, each once.

    A family's shared email or device (and the device's visitor id) is listed under the family member
    who owns it; a station's phone and the hotline under nobody (""); a relative without an account with
    their phone and the device they check out from as a guest.
    """
    yield "phone", HOTLINE, ""
    for city, _ in CITIES:
        for n in range(STATIONS_PER_CITY):
            yield "phone", station(seed, city, n)[0], ""
    for account in range(accounts(scale)):
        who = person(seed, owner(account))
        pid = who.person_id
        yield "user_id", user_id(account), pid
        yield "phone", account_phone(seed, account), pid
        if account != who.number:
            continue  # a second account adds no identifiers of its own beyond id and phone
        family = family_email_of(who.number)
        if who.email and (family is None or who.email != person(seed, family).email):
            yield "email", who.email, pid
        if who.wechat_unionid:
            yield "wechat_unionid", who.wechat_unionid, pid
        for device in who.devices:
            if device.startswith(f"D{who.number:09d}"):  # a family member's is listed under its owner
                yield "device_id", device, pid
                yield "anonymous_id", anonymous_id(device), pid
        gifted = relative(seed, who.number, scale)
        if gifted.number >= RELATIVES_FROM:  # their phone gets gifts; they check out as a guest from this device
            yield "phone", gifted.phone, gifted.person_id
            yield "device_id", gifted.devices[0], gifted.person_id
            yield "anonymous_id", anonymous_id(gifted.devices[0]), gifted.person_id
