"""The promotion service's side of coupons, decided before any order: templates, whom a template's coupon is
sent to and whom it holds out, who claims one from a campaign page, and whose coupon moves them to buy.

A few templates a day, each aimed at one segment and tied to a campaign. The service sends each
template to an audience drawn from its segment, but holds a random ``HOLDOUT_SHARE`` of that audience
out (they get nothing; the service logs them, so the effect can be measured). A sent coupon makes its
holder place an order they would not have placed otherwise with the template's true ``lift`` (an
**induced** order, some time within the validity); holders who buy anyway use a fitting coupon
(``USE_SHARE``): a discount the shop gives away for nothing. Users also claim coupons from campaign
pages, ``NON_TARGET_SHARE`` of them outside the segment; claims are self-selected, so they induce nothing
here and no holdout can measure them. Orders (:mod:`ecomgen.orders`) apply all of this; coupon events
(:mod:`ecomgen.coupons`) report it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache, lru_cache

from ecomgen import people
from ecomgen.campaigns import campaigns
from ecomgen.model import Day, midnight
from ecomlake.contracts import load_contract

CONTRACT = load_contract("coupons")
SEGMENTS = CONTRACT.field("user_segment").allowed
# Targets a user's segment can match: an ``all`` template would make silver's is_target_claim false for everyone.
TARGETS = tuple(s for s in CONTRACT.field("target_segment").allowed if s in SEGMENTS)
TEMPLATES_PER_DAY, ACTIVE_DAYS, VALID_DAYS, FLASH_VALID_DAYS = 3, 7, 3, 1
AUDIENCE_AT_SCALE_1, CLAIMED_AT_SCALE_1 = 40_000, 20_000
HOLDOUT_SHARE, NON_TARGET_SHARE, USE_SHARE = 0.2, 0.3, 0.6
LIFT_RANGE = (0.0, 0.25)  # a sent coupon's chance to induce an order, per template
FACE_VALUES_FEN = (500, 1000)  # the OMS's fixed discounts
MIN_SPEND_FEN = (0, 4_900, 9_900, 19_900)


@dataclass(frozen=True)
class Template:
    template_id: str
    created: datetime
    target_segment: str
    face_value_fen: int
    min_spend_fen: int
    campaign_id: str
    valid_days: int
    lift: float  # the truth: chance a sent coupon induces an order

    def fields(self) -> dict:
        """What every event of the template carries."""
        return {"template_id": self.template_id, "campaign_id": self.campaign_id,
                "target_segment": self.target_segment, "face_value_fen": self.face_value_fen,
                "min_spend_fen": self.min_spend_fen}

    def fits(self, gross_fen: int) -> bool:
        return self.min_spend_fen <= gross_fen


@dataclass(frozen=True)
class Coupon:
    coupon_id: str
    template: Template
    account: int
    taken: datetime
    how: str  # issued or claimed

    @property
    def valid_until(self) -> datetime:
        return self.taken + timedelta(days=self.template.valid_days)

    def valid_at(self, at: datetime) -> bool:
        return self.taken <= at < self.valid_until


@dataclass(frozen=True)
class HeldOut:
    """An audience member the service deliberately sent nothing."""

    template: Template
    account: int
    at: datetime


def user_segment(seed: int, account: int) -> str:
    """An account's marketing segment: fixed per account, so a claim's segment is checkable."""
    bucket = (account * 2_654_435_761 + seed * 97) % 100
    return "vip" if bucket < 8 else "new_users" if bucket < 28 else "lapsed" if bucket < 45 else "regular"


@cache
def templates_created_on(seed: int, day: date) -> tuple[Template, ...]:
    rng = random.Random(f"coupon-templates:{seed}:{day.isoformat()}")
    offers = campaigns(seed)
    return tuple(
        Template(f"T{day:%Y%m%d}{n:02d}", midnight(day) + timedelta(seconds=rng.randrange(3_600)),
                 rng.choice(TARGETS), rng.choice(FACE_VALUES_FEN), rng.choice(MIN_SPEND_FEN),
                 rng.choice(offers).campaign_id, FLASH_VALID_DAYS if n == 0 else VALID_DAYS,
                 round(rng.uniform(*LIFT_RANGE), 4))
        for n in range(TEMPLATES_PER_DAY)
    )


def active_templates(day: Day) -> list[Template]:
    """Templates claimable on ``day``: created in the last week, but not before the history began."""
    first = max(day.first_day, day.day - timedelta(days=ACTIVE_DAYS - 1))
    return [template for back in range((day.day - first).days + 1)
            for template in templates_created_on(day.seed, first + timedelta(days=back))]


def _account_in(rng: random.Random, day: Day, wanted: bool, segment: str) -> int:
    """A random account whose segment is (``wanted``) or is not ``segment``."""
    while True:
        account = people.active_account(rng, day.scale)
        if (user_segment(day.seed, account) == segment) == wanted:
            return account


@lru_cache(maxsize=VALID_DAYS + 2)
def sent(day: Day) -> tuple[tuple[Coupon, ...], tuple[HeldOut, ...]]:
    """The coupons issued on ``day`` to each new template's audience, and the audience held out."""
    rng = day.rng("coupons-sent")
    issued, held_out = [], []
    for template in templates_created_on(day.seed, day.day):
        audience: set[int] = set()
        for _ in range(day.count(AUDIENCE_AT_SCALE_1 // TEMPLATES_PER_DAY, minimum=10)):
            account = _account_in(rng, day, True, template.target_segment)
            if account in audience:
                continue
            audience.add(account)
            at = template.created + timedelta(seconds=rng.randrange(300, 3_600), milliseconds=rng.randrange(1_000))
            if rng.random() < HOLDOUT_SHARE:
                held_out.append(HeldOut(template, account, at))
            else:
                issued.append(Coupon(f"CP{day.day:%Y%m%d}I{len(issued):07d}", template, account, at, "issued"))
    return tuple(issued), tuple(held_out)


@lru_cache(maxsize=VALID_DAYS + 2)
def claimed(day: Day) -> tuple[Coupon, ...]:
    """Coupons users take from campaign pages on ``day``, some from outside the template's segment."""
    rng = day.rng("coupons-claimed")
    templates, out = active_templates(day), []
    for _ in range(day.count(CLAIMED_AT_SCALE_1)):
        template = rng.choice(templates)
        taken = max(midnight(day.day) + timedelta(hours=1, seconds=rng.randrange(23 * 3_600),
                                                  milliseconds=rng.randrange(1_000)),
                    template.created + timedelta(seconds=1))
        account = _account_in(rng, day, rng.random() >= NON_TARGET_SHARE, template.target_segment)
        out.append(Coupon(f"CP{day.day:%Y%m%d}C{len(out):07d}", template, account, taken, "claimed"))
    return tuple(out)


def taken_on(day: Day) -> tuple[Coupon, ...]:
    return sent(day)[0] + claimed(day)


def induced_at(seed: int, coupon: Coupon) -> datetime | None:
    """When a sent coupon makes its holder buy what they would not have bought, if it does."""
    if coupon.how != "issued" or people.draw(seed, "induced", coupon.coupon_id) >= coupon.template.lift:
        return None
    span = (coupon.valid_until - coupon.taken).total_seconds()
    return coupon.taken + timedelta(seconds=60 + people.draw(seed, "induced-at", coupon.coupon_id) * (span - 120))


def used_if_buying(seed: int, coupon: Coupon) -> bool:
    """Whether the holder, buying anyway, uses this coupon on their first fitting order."""
    return induced_at(seed, coupon) is None and people.draw(seed, "use", coupon.coupon_id) < USE_SHARE


def wallet_days(day: Day) -> list[Day]:
    """The days whose coupons can still be valid on ``day`` (none before the history began)."""
    return [replace(day, day=day.day - timedelta(days=back)) for back in range(VALID_DAYS, -1, -1)
            if day.day - timedelta(days=back) >= day.first_day]
