"""Customer-service tickets with their NPS answer, exported as one CSV a day.

About one ticket per 50 orders, most about a real order placed in the last
days. Customers are known only by what they typed: the buyer's phone in one of
several formats (a follow-up ticket by the same person often in another), or
just an email, sometimes in capitals; agents type the shop's own hotline into
one ticket in ten. A ticket is exported on every day it changes (opened, first
response, resolution, survey answer) with its state at the end of that day, so
the latest export wins.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

from ecomgen import people
from ecomgen.model import (
    Day,
    DeliveryFile,
    Record,
    bad_csv_records,
    csv_line,
    iso,
    midnight,
    scatter,
)
from ecomgen.orders import ORDERS_PER_DAY_AT_SCALE_1, OrderHistory, orders_placed_on
from ecomlake.contracts import load_contract

CONTRACT = load_contract("service")
COLUMNS = [f.name for f in CONTRACT.fields]
CHANNELS = CONTRACT.field("channel").allowed
NPS = CONTRACT.field("nps_score")
ORDERS_PER_TICKET = 50
ORDER_DAYS = 3  # tickets are about orders placed that day or the two days before
LIFE_DAYS = 3  # first response, resolution and survey answer come within this many days of opening
ABOUT_ORDER_SHARE, HOTLINE_SHARE, EMAIL_ONLY_SHARE, FOLLOW_UP_SHARE = 0.65, 0.12, 0.25, 0.15
RESOLVED_SHARE, ANSWERED_SHARE, QUOTES_CONTACT_SHARE = 0.9, 0.4, 0.2
# What customers ask about an order, by the order's final status.
CATEGORY_BY_STATUS = {"created": ("delivery", "other"), "paid": ("delivery", "other"),
                      "shipped": ("delivery",), "delivered": ("product_quality", "delivery", "refund"),
                      "cancelled": ("refund", "other"), "refunded": ("refund",)}
PROBLEMS = {
    "delivery": ("快递{n}天了还没到，订单{order}麻烦帮忙催一下", "物流一直显示运输中，什么时候能送到？",
                 "快递员说放驿站了，但我没收到"),
    "refund": ("申请退款{n}天了还没到账，订单{order}", "取消订单后钱什么时候退回？", "退货寄回去了，退款一直没处理"),
    "product_quality": ("收到的商品有破损，要求换货，订单{order}", "衣服尺码不对，质量也一般，想退货",
                        "用了{n}天就坏了，怎么保修？"),
    "account": ("手机号换了，登录不上账号", "账号好像被盗了，请尽快处理", "收不到验证码"),
    "other": ("发票怎么开？", "想咨询一下会员积分怎么用", "优惠券用不了，提示不满足条件"),
}


@dataclass(frozen=True)
class Ticket:
    """A ticket's rows after each change (opened, responded, resolved, answered), with the time of each."""

    changes: tuple[tuple[datetime, dict], ...]


def spellings(phone: str) -> tuple[str, ...]:
    """A mobile number as customers type it; silver normalises every one to the same 11 digits."""
    a, b, c = phone[:3], phone[3:7], phone[7:]
    return phone, f"{a} {b} {c}", f"{a}-{b}-{c}", f"+86 {phone}", f"+86-{a}-{b}-{c}", f"86{phone}"


def _later(rng: random.Random, after: datetime) -> datetime:
    """A random time from ``after`` to the end of its day."""
    end = midnight(after.date() + timedelta(days=1))
    return after + (end - after) * rng.random()


def _lifecycle(rng: random.Random, row: dict, opened: datetime) -> Ticket:
    changes = [(opened, row)]
    at = opened + timedelta(minutes=rng.randrange(2, 240), milliseconds=rng.randrange(1_000))
    row = {**row, "first_response_at": iso(at), "updated_at": iso(at)}
    changes.append((at, row))
    if rng.random() < RESOLVED_SHARE:
        at += timedelta(minutes=rng.randrange(10, 36 * 60))
        row = {**row, "resolved_at": iso(at), "updated_at": iso(at)}
        changes.append((at, row))
        if rng.random() < ANSWERED_SHARE:  # the survey goes out on resolution
            at += timedelta(minutes=rng.randrange(5, 12 * 60))
            score = rng.choices(range(NPS.min, NPS.max + 1), (4, 1, 1, 1, 2, 3, 4, 6, 10, 9, 9))[0]
            row = {**row, "nps_score": score, "updated_at": iso(at)}
            changes.append((at, row))
    return Ticket(tuple(changes))


def _account(user_id: str) -> int:
    return int(user_id.removeprefix("U"))


def _about(rng: random.Random, day: Day, recent: list[OrderHistory]) -> tuple[int, str | None, str, datetime]:
    """Who opens a ticket (account), about which order, in which category, and when."""
    if recent and rng.random() < ABOUT_ORDER_SHARE:
        history = rng.choice(recent)
        order, status = history.order, history.last["status"]
        opened = _later(rng, max(history.changes[0][0], midnight(day.day)))
        return _account(order["user_id"]), order["order_id"], rng.choice(CATEGORY_BY_STATUS[status]), opened
    account = people.active_account(rng, day.scale)
    return account, None, rng.choice(("account", "other")), _later(rng, midnight(day.day))


@lru_cache(maxsize=LIFE_DAYS + 1)
def tickets_opened_on(day: Day) -> tuple[Ticket, ...]:
    """Every ticket opened on ``day`` with its whole life; a pure function of the day and the recent orders."""
    rng = day.rng("service-tickets")
    recent = [h for back in range(ORDER_DAYS)  # a guest calls about an order too rarely to model
              for h in orders_placed_on(day.day - timedelta(days=back), day.seed, day.scale, day.first_day)
              if h.order["user_id"]]
    tickets: list[Ticket] = []
    last = None  # (person, order, category, channel, opened, spelling) of the last ticket with a customer's phone
    for n in range(day.count(ORDERS_PER_DAY_AT_SCALE_1 // ORDERS_PER_TICKET)):
        account, order_id, category, opened = _about(rng, day, recent)
        who = people.person(day.seed, people.owner(account))
        channel, phone, email = rng.choice(CHANNELS), None, None
        spelled = spellings(who.phone)
        spelling = rng.randrange(len(spelled))
        if last and rng.random() < FOLLOW_UP_SHARE:  # the same customer again, typing the phone another way
            who, order_id, category, channel, opened, previous = last
            spelled, opened = spellings(who.phone), _later(rng, opened)
            spelling = (previous + 1 + rng.randrange(len(spelled) - 1)) % len(spelled)
            phone = spelled[spelling]
        elif rng.random() < HOTLINE_SHARE:  # the agent typed in the number the customer called
            channel, phone = "hotline", people.HOTLINE
        elif who.email and rng.random() < EMAIL_ONLY_SHARE:
            channel, email = "email", who.email.upper() if rng.random() < 0.3 else who.email
        else:
            phone = spelled[spelling]
        if phone and phone != people.HOTLINE:
            last = (who, order_id, category, channel, opened, spelling)
        text = rng.choice(PROBLEMS[category]).format(n=rng.randrange(2, 8), order=order_id or "")
        if rng.random() < QUOTES_CONTACT_SHARE:
            quoted = who.email if who.email and rng.random() < 0.5 else rng.choice(spellings(who.phone))
            text += f"，联系方式{quoted}"
        row = {"ticket_id": f"TK{day.day:%Y%m%d}{n:05d}", "channel": channel, "category": category,
               "contact_phone": phone, "contact_email": email, "order_id": order_id, "description": text,
               "nps_score": None, "opened_at": iso(opened), "first_response_at": None, "resolved_at": None,
               "updated_at": iso(opened)}
        tickets.append(_lifecycle(rng, row, opened))
    return tuple(tickets)


def _export(day: Day) -> list[dict]:
    """Each ticket that changed on ``day`` (opened within the last ``LIFE_DAYS``), as it stood at the end of it."""
    start, end = midnight(day.day), midnight(day.day + timedelta(days=1))
    rows = []
    for back in range(LIFE_DAYS):
        opened_on = replace(day, day=day.day - timedelta(days=back))
        if opened_on.day < day.first_day:
            break
        for ticket in tickets_opened_on(opened_on):
            at, row = [change for change in ticket.changes if change[0] < end][-1]
            if at >= start:
                rows.append(row)
    return sorted(rows, key=lambda row: row["updated_at"])


def deliver(day: Day) -> Iterator[DeliveryFile]:
    rows = _export(day)
    good = [Record(csv_line(row[column] for column in COLUMNS), row["ticket_id"]) for row in rows]
    bad = bad_csv_records(CONTRACT, day, rows[:2_000], len(good), COLUMNS)
    yield DeliveryFile(f"tickets-{day.day.isoformat()}.csv", scatter(day.rng("service-delivery"), good, bad),
                       header=csv_line(COLUMNS))


def truth(day: Day) -> dict:
    """Tickets opened on ``day`` that carry the shop's own hotline instead of a customer's phone."""
    return {"hotline_tickets": [t.changes[0][1]["ticket_id"] for t in tickets_opened_on(day)
                                if t.changes[0][1]["contact_phone"] == people.HOTLINE]}
