"""Clickstream events as the app / web / mini-program SDKs upload them: hourly JSON-lines files.

The largest source (about 5M events a day at scale 1), so each hour is built
only when its file is asked for, and lines are assembled from pre-built JSON
fragments rather than ``json.dumps`` (every value is a plain ASCII identifier
or a fixed user agent). A session's events are uploaded as one batch. Quirks:
visitors start anonymous and some log in mid-session, a few crawlers make many
events, about 1% of browsing sessions were buffered offline and arrive 1–3 days late,
sessions an ad brought land on the campaign's page with UTM parameters (who and
when: :mod:`ecomgen.journeys`), the others on the home page, purchases are the day's real
orders, and from the history's second day the SDK sends an ``experiment_id``
the contract does not know.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache

from ecomgen import journeys, people
from ecomgen.campaigns import campaigns
from ecomgen.journeys import BEIJING_HOUR_WEIGHTS, DAY_MS, HOUR_MS, Landing, market_day
from ecomgen.model import Day, DeliveryFile, Record, bad_json_records, midnight, ms, scatter
from ecomgen.orders import OrderHistory, orders_placed_on, sku_id, skus
from ecomlake.contracts import load_contract

CONTRACT = load_contract("clickstream")
PLATFORMS = CONTRACT.field("platform").allowed
EVENTS_AT_SCALE_1 = 5_000_000
LATE_SHARE, BOT_SHARE, EXPERIMENT_SHARE = 0.01, 0.03, 0.6
LOGGED_IN_SHARE, LOGS_IN_SHARE = 0.4, 0.25  # of browsing sessions; the rest stay anonymous
# The SDK remembers a login: on most of a customer's devices they logged in before the history began, and
# every session there is logged in. On the others they browse anonymously until they log in (or never do).
REMEMBERED_SHARE = 0.9
MEAN_SESSION_EVENTS, MAX_SESSION_EVENTS = 9, 200
USER_AGENTS = {
    "app": ("ShopApp/8.4.1 (iPhone; iOS 17.5; Scale/3.00)", "ShopApp/8.4.0 (Linux; Android 14; V2244A)",
            "ShopApp/8.3.7 (Linux; Android 13; 22081212C)"),
    "mini_program": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) MicroMessenger/8.0.49 miniProgram",
                     "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0.48 miniProgram"),
    "web": ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.4 Safari/605.1.15"),
}
# Crawlers: the same devices every day, with user agents the silver ``is_bot`` rule recognises.
BOTS = {
    "DBOT0001": "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "DBOT0002": "Mozilla/5.0 (compatible; Bytespider; spider-feedback@bytedance.com)",
    "DBOT0003": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "DBOT0004": "python-requests/2.31.0",
    "DBOT0005": "curl/8.5.0",
}
NEW_PROPERTY = "experiment_id"
EXPERIMENTS = tuple(f',"{NEW_PROPERTY}":"{name}:{arm}"' for name in ("checkout_v2", "search_rank_v3") for arm in "AB")
PAGES = tuple(f',"page":"{page}"' for page in ("/home", "/category/women", "/category/men", "/category/home",
                                               "/category/beauty", "/cart", "/me", "/flash-sale"))
DIRECT = PAGES[0]
SEARCH, CHECKOUT, COUPONS = ',"page":"/search"', ',"page":"/checkout"', ',"page":"/coupon-center"'
# What a browsing visitor does next, by weight; purchases come only from real orders.
NEXT_STEP = (("page_view", 30), ("product_view", 35), ("search", 12), ("add_to_cart", 10), ("checkout", 3),
             ("coupon_click", 6), ("share", 4))
STEPS = tuple(name for name, weight in NEXT_STEP for _ in range(weight))
CRAWL_STEPS = ("page_view", "product_view", "product_view", "search")
# Timestamp pieces by second of the day and by millisecond: ``iso`` without strftime in the hot loop.
HMS = tuple(f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60))
MS = tuple(f".{m:03d}Z" for m in range(1000))


@cache
def _date_text(epoch_day: int) -> str:
    return date.fromordinal(date(1970, 1, 1).toordinal() + epoch_day).isoformat()


@dataclass(frozen=True)
class _Device:
    """The JSON fragments that are the same for every event from a device."""

    anonymous_id: str
    device_platform: str
    user_agent: str


def _device(device: str, platform: str, user_agent: str) -> _Device:
    return _Device(f',"anonymous_id":"{people.anonymous_id(device)}"',
                   f',"device_id":"{device}","platform":"{platform}"', f',"user_agent":"{user_agent}"')


def _sku_piece(sku: str) -> str:
    return f',"page":"/product/{sku}","sku_id":"{sku}"'


@cache
def _sku_pieces(scale: float) -> tuple[str, ...]:
    return tuple(_sku_piece(sku_id(n)) for n in range(skus(scale)))


@cache
def _utm_pieces(seed: int) -> tuple[str, ...]:
    """Landing-page fragments carrying each campaign's UTM parameters and id."""
    return tuple(f',"page":"/landing/{c.utm_campaign}","utm_source":"{c.utm_source}","utm_medium":"{c.utm_medium}"'
                 f',"utm_campaign":"{c.utm_campaign}","campaign_id":"{c.campaign_id}"' for c in campaigns(seed))


def _device_platform(device: str) -> str:
    """A person's second device is a browser; the first runs the app or the WeChat mini-program."""
    if device.endswith("b"):
        return "web"
    return "app" if int(device[1:10]) % 5 < 3 else "mini_program"


def _user_agent(device: str, platform: str) -> str:
    agents = USER_AGENTS[platform]
    return agents[sum(map(ord, device)) % len(agents)]


def _devices(person: int, seed: int) -> tuple[_Device, ...]:
    devices = people.person(seed, person).devices
    return tuple(_device(d, p, _user_agent(d, p)) for d, p in zip(devices, map(_device_platform, devices),
                                                                   strict=True))


def _visitors(day: Day) -> list[tuple[str, tuple[_Device, ...]]]:
    """The day's browsing account holders (user id, devices): each shops in a few sessions."""
    return [(people.user_id(account), _devices(people.owner(account), day.seed))
            for account in market_day(day).visitors]


class _Hour:
    """One hourly file being built: its rng, and its sessions as batches of records."""

    def __init__(self, day: Day, hour: int, visitors: list[tuple[str, tuple[_Device, ...]]]) -> None:
        self.day = day
        self.rng = day.rng(f"clickstream-{hour:02d}")
        self.start = ms(midnight(day.day)) + hour * HOUR_MS
        self.prefix = f"{day.day:%Y%m%d}{hour:02d}"
        self.sessions: list[list[Record]] = []
        self.events = 0
        self.visitors = visitors
        self.skus = _sku_pieces(day.scale)
        self.landings = dict(zip(campaigns(day.seed), _utm_pieces(day.seed), strict=True))

    def times(self, n: int, shortest: int, longest: int) -> list[int]:
        """``n`` event times (epoch ms) some ``shortest``–``longest`` ms apart, starting at zero."""
        rnd, spread = self.rng.random, longest - shortest
        t, out = 0, [0]
        for _ in range(n - 1):
            t += shortest + int(rnd() * spread)
            out.append(t)
        return out

    def within_hour(self, times: list[int]) -> list[int]:
        start = self.start + int(self.rng.random() * max(1, HOUR_MS - times[-1]))
        return [start + t for t in times]

    def add(self, device: _Device, times: list[int], bodies: list[tuple[str, str]], user: str | None = None,
            login_at: int = 0) -> None:
        """A session's events: (name, JSON fragment) ``bodies`` at ``times``, with ``user`` from ``login_at`` on."""
        rnd = self.rng.random
        logged = f',"user_id":"{user}"' if user else ""
        mid = f'{device.device_platform},"session_id":"S{self.prefix}{len(self.sessions):06d}"'
        drift = EXPERIMENTS[int(rnd() * len(EXPERIMENTS))] if self.day.index >= 1 and rnd() < EXPERIMENT_SHARE else ""
        tail = f"{device.user_agent}{drift}}}"
        anon, prefix, base, batch = device.anonymous_id, f"E{self.prefix}", self.events, []
        for i, (t, (name, body)) in enumerate(zip(times, bodies, strict=True)):
            eid = f"{prefix}{base + i:07d}"
            d, r = divmod(t, DAY_MS)
            stamp = f"{_date_text(d)}T{HMS[r // 1000]}{MS[r % 1000]}"
            batch.append(Record(f'{{"event_id":"{eid}","event_name":"{name}","event_time":"{stamp}"{anon}'
                                f'{logged if i >= login_at else ""}{mid}{body}{tail}', eid))
        self.events += len(batch)
        self.sessions.append(batch)

    def browse(self, bodies: list[tuple[str, str]], n: int, steps: tuple[str, ...] = STEPS
               ) -> list[tuple[str, str]]:
        """``bodies`` continued with ``n`` browsing steps drawn from ``steps``."""
        rnd, skus = self.rng.random, self.skus
        viewed = skus[int(rnd() * len(skus))]
        for _ in range(n):
            name = steps[int(rnd() * len(steps))]
            if name == "page_view":
                body = PAGES[int(rnd() * len(PAGES))]
            elif name == "product_view":
                body = viewed = skus[int(rnd() * len(skus))]
            elif name in ("add_to_cart", "share"):
                body = viewed
            else:
                body = SEARCH if name == "search" else CHECKOUT if name == "checkout" else COUPONS
            bodies.append((name, body))
        return bodies

    def visit(self, visitor: tuple[str, tuple[_Device, ...]] | None = None) -> None:
        """A shopper browsing, come to the shop directly: ``visitor``'s day's first visit, in the app (or
        mini-program) of their own first device where they are logged in, else one of the day's shoppers at
        random on one of their devices; now and then a session buffered offline days ago."""
        rng, rnd = self.rng, self.rng.random
        user, devices = visitor or self.visitors[int(rnd() * len(self.visitors))]
        n = min(MAX_SESSION_EVENTS, 1 + int(rng.expovariate(1 / MEAN_SESSION_EVENTS)))
        times = self.within_hour(self.times(n, 500, 40_000))
        if rnd() < LATE_SHARE:  # buffered offline, uploaded days later
            back = (1 + int(rnd() * 3)) * DAY_MS
            times = [t - back for t in times]
        if visitor is not None:
            self.add(devices[0], times, self.browse([("page_view", DIRECT)], n - 1), user)
        else:
            self.browse_as(user, devices[int(rnd() * len(devices))], times, DIRECT)

    def landed(self, landing: Landing) -> None:
        """A shopper a campaign's ad brought to the shop, on one of their devices, from its landing page."""
        rng = self.rng
        devices = _devices(landing.person, self.day.seed)
        n = min(MAX_SESSION_EVENTS, 1 + int(rng.expovariate(1 / MEAN_SESSION_EVENTS)))
        times = self.times(n, 500, 40_000)
        start = max(self.start, min(landing.at_ms, self.start + HOUR_MS - 1 - times[-1]))  # the hour's file holds it
        times = [start + t for t in times]
        self.browse_as(people.user_id(landing.person), devices[int(rng.random() * len(devices))], times,
                       self.landings[landing.campaign])

    def browse_as(self, user: str, device: _Device, times: list[int], landing: str) -> None:
        """A browsing session from ``landing``: logged in where the SDK remembers ``user``, else anonymous
        unless they log in on the way."""
        rnd, n, login_at = self.rng.random, len(times), 0
        remembered = people.draw(self.day.seed, "remembered", user, device.anonymous_id) < REMEMBERED_SHARE
        login = rnd()
        if login >= LOGGED_IN_SHARE and not remembered:
            if login < LOGGED_IN_SHARE + LOGS_IN_SHARE and n > 1:
                login_at = 1 + int(rnd() * (n - 1))
            else:
                user = None
        self.add(device, times, self.browse([("page_view", landing)], n - 1), user, login_at)

    def purchase(self, history: OrderHistory) -> None:
        """The session that placed a real order: its items viewed and added, checkout, then purchase at creation."""
        order, created = history.order, history.changes[0][0]
        items = [_sku_piece(item["sku_id"]) for item in order["items"]]
        bodies = [("page_view", DIRECT), *(("product_view", i) for i in items),
                  *(("add_to_cart", i) for i in items), ("checkout", CHECKOUT),
                  ("purchase", f',"page":"/order/success","order_id":"{order["order_id"]}"')]
        # A scripted ring phone buys within seconds of landing; every ring account is logged in throughout.
        times = self.times(len(bodies), *((500, 3_000) if history.scripted else (3_000, 60_000)))
        end = ms(created)
        times = [end - times[-1] + t for t in times]
        rnd = self.rng.random  # logged in before checkout: from the start, or somewhere on the way
        login_at = 0 if history.is_brushing or rnd() < 0.5 else 1 + int(rnd() * (len(bodies) - 2))
        device, platform = order["device_id"], order["channel"]
        self.add(_device(device, platform, _user_agent(device, platform)), times, bodies, order["user_id"], login_at)

    def crawl(self, device: str, user_agent: str, n: int) -> None:
        """A crawler walking the catalog: many pages a few hundred ms apart, never logged in."""
        times = self.within_hour(self.times(n, 200, 3_000))
        self.add(_device(device, "web", user_agent), times, self.browse([("page_view", PAGES[0])], n - 1, CRAWL_STEPS))

    def records(self) -> list[Record]:
        """The hour's good records, sessions in upload order, with its share of broken lines."""
        self.rng.shuffle(self.sessions)
        good = [record for batch in self.sessions for record in batch]
        sample = [json.loads(record.text) for record in good[:500]]
        return scatter(self.rng, good, bad_json_records(CONTRACT, self.day, sample, len(good)))


def _purchases_by_hour(day: Day) -> dict[int, list[OrderHistory]]:
    """Orders placed on the day in the shop's own app, mini-program or web shop, by UTC hour of creation."""
    by_hour: dict[int, list[OrderHistory]] = defaultdict(list)
    for history in orders_placed_on(day.day, day.seed, day.scale, day.first_day):
        if history.order["channel"] in PLATFORMS:
            by_hour[history.changes[0][0].hour].append(history)
    return by_hour


def _hour_records(day: Day, hour: int, budget: int, purchases: list[OrderHistory], landings: list[Landing],
                  visitors: list[tuple[str, tuple[_Device, ...]]],
                  first_visits: list[tuple[str, tuple[_Device, ...]]]) -> list[Record]:
    built = _Hour(day, hour, visitors)
    for history in purchases:
        built.purchase(history)
    for landing in landings:
        built.landed(landing)
    for visitor in first_visits:
        built.visit(visitor)
    for device, user_agent in BOTS.items():
        built.crawl(device, user_agent, max(2, int(budget * BOT_SHARE / len(BOTS))))
    while built.events < budget:
        built.visit()
    return built.records()


def deliver(day: Day) -> Iterator[DeliveryFile]:
    """24 hourly files, each built only when the writer asks for it."""
    total = day.count(EVENTS_AT_SCALE_1, minimum=240)
    weights = [BEIJING_HOUR_WEIGHTS[(hour + 8) % 24] for hour in range(24)]
    purchases, visitors = _purchases_by_hour(day), _visitors(day)
    landings, first_visits = defaultdict(list), defaultdict(list)
    for landing in market_day(day).landings:
        landings[(landing.at_ms // HOUR_MS) % 24].append(landing)
    # Every shopper of the day visits at least once (the market's shoppers are the day's visitors), at an
    # hour drawn from the traffic curve; the rest of the traffic is drawn at random among them.
    rng = day.rng("clickstream-first-visits")
    for visitor in dict.fromkeys(visitors, None):
        first_visits[rng.choices(range(24), weights)[0]].append(visitor)
    for hour in range(24):
        records = _hour_records(day, hour, total * weights[hour] // sum(weights), purchases[hour], landings[hour],
                                visitors, first_visits[hour])
        yield DeliveryFile(f"clickstream-{day.day.isoformat()}-{hour:02d}.jsonl", records)


def truth(day: Day) -> dict:
    """Properties the contract does not know yet, the crawlers' devices, and what each campaign truly did."""
    return {"new_properties": [NEW_PROPERTY] if day.index >= 1 else [], "bot_devices": sorted(BOTS),
            "campaign_effects": journeys.truth(day)}
