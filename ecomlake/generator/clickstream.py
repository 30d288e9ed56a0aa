"""Clickstream events as the app / web / mini-program SDKs upload them: hourly JSON-lines files.

The largest source (about 5M events a day at scale 1), so each hour is built
and handed over on its own, and lines are assembled from pre-built JSON
fragments rather than ``json.dumps``: every value is a plain ASCII identifier.
A session's events are uploaded as one batch. Quirks: visitors start
anonymous and some log in mid-session, a few crawlers make many events, about
1% of events were buffered offline and arrive 1–3 days late, 30% of sessions
land from an ad with UTM parameters, purchases are the day's real orders, and
from the history's second day the SDK sends an ``experiment_id`` the contract
does not know.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache

from ecomlake.contracts import load_contract
from ecomlake.generator import people
from ecomlake.generator.campaigns import campaigns
from ecomlake.generator.model import Day, DeliveryFile, Record, bad_json_records, ms, scatter
from ecomlake.generator.orders import orders_placed_on, sku_id, skus

CONTRACT = load_contract("clickstream")
PLATFORMS = CONTRACT.field("platform").allowed
EVENTS_AT_SCALE_1 = 5_000_000
# Share of the day's traffic by Beijing hour (UTC+8): quiet nights, lunch and evening peaks.
BEIJING_HOUR_WEIGHTS = (5, 3, 2, 1, 1, 1, 2, 3, 4, 5, 5, 6, 7, 6, 5, 5, 5, 5, 6, 8, 9, 10, 9, 7)
HOUR_MS, DAY_MS = 3_600_000, 86_400_000
UTM_SHARE, LATE_SHARE, BOT_SHARE, EXPERIMENT_SHARE = 0.3, 0.01, 0.03, 0.6
LOGGED_IN_SHARE, LOGS_IN_SHARE = 0.4, 0.25  # of browsing sessions; the rest stay anonymous
MAX_SESSION_EVENTS = 200
USER_AGENTS = {
    "app": ("ShopApp/8.4.1 (iPhone; iOS 17.5; Scale/3.00)", "ShopApp/8.4.0 (Linux; Android 14; V2244A)",
            "ShopApp/8.3.7 (Linux; Android 13; 22081212C)"),
    "mini_program": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) MicroMessenger/8.0.49 miniProgram",
                     "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0.48 miniProgram"),
    "web": ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"),
}
# Crawlers that fetch the shop's pages: the same devices every day, with user agents the silver is_bot rule matches.
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
# What a browsing visitor does next, by weight (purchases come only from real orders).
NEXT_STEP = (("page_view", 30), ("product_view", 35), ("search", 12), ("add_to_cart", 10), ("checkout", 3),
             ("coupon_click", 6), ("share", 4))
STEPS = tuple(name for name, weight in NEXT_STEP for _ in range(weight))
HMS = tuple(f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60))


@cache
def _date_text(epoch_day: int) -> str:
    return date.fromordinal(date(1970, 1, 1).toordinal() + epoch_day).isoformat()


def _stamp(t: int) -> str:
    """``iso`` for epoch milliseconds, from tables: the hot loop's timestamps."""
    d, r = divmod(t, DAY_MS)
    s, m = divmod(r, 1000)
    return f"{_date_text(d)}T{HMS[s]}.{m:03d}Z"


@cache
def _sku_pieces(scale: float) -> tuple[str, ...]:
    return tuple(f',"page":"/product/{sku_id(n)}","sku_id":"{sku_id(n)}"' for n in range(skus(scale)))


@cache
def _utm_pieces(seed: int) -> tuple[str, ...]:
    return tuple(f',"page":"/landing/{c.utm_campaign}","utm_source":"{c.utm_source}","utm_medium":"{c.utm_medium}"'
                 f',"utm_campaign":"{c.utm_campaign}","campaign_id":"{c.campaign_id}"' for c in campaigns(seed))


def _device_platform(device: str) -> str:
    """Second devices are browsers; a person's first device runs the app or the WeChat mini-program."""
    if device.endswith("b"):
        return "web"
    return "app" if int(device[1:10]) % 5 < 3 else "mini_program"


def _user_agent(device: str, platform: str) -> str:
    agents = USER_AGENTS[platform]
    return agents[sum(map(ord, device)) % len(agents)]


class _Hour:
    """One hourly file's events: sessions appended as batches, event ids counted within the hour."""

    def __init__(self, day: Day, hour: int) -> None:
        self.rng = day.rng(f"clickstream-{hour:02d}")
        self.start = ms(day.midnight) + hour * HOUR_MS if hasattr(day, "midnight") else None
        self.prefix = f"{day.day:%Y%m%d}{hour:02d}"
        self.drift = day.index >= 1
        self.sessions: list[list[Record]] = []
        self.events = 0

    def session(self, device: str, platform: str, user_agent: str, times: list[int], bodies: list[tuple[str, str]],
                user: str | None, login_at: int) -> None:
        """Append a session: events ``bodies`` (name, JSON fragment) at ``times``; logged in from ``login_at``."""
        rng = self.rng
        sid = f"S{self.prefix}{len(self.sessions):06d}"
        anon = f',"anonymous_id":"{people.anonymous_id(device)}"'
        logged = f',"user_id":"{user}"' if user else ""
        mid = f',"device_id":"{device}","platform":"{platform}","session_id":"{sid}"'
        extra = EXPERIMENTS[int(rng.random() * 4)] if self.drift and rng.random() < EXPERIMENT_SHARE else ""
        tail = f',"user_agent":"{user_agent}"{extra}}}'
        prefix, base = f"E{self.prefix}", self.events
        batch = []
        for i, (t, (name, body)) in enumerate(zip(times, bodies, strict=True)):
            eid = f"{prefix}{base + i:07d}"
            batch.append(Record(f'{{"event_id":"{eid}","event_name":"{name}","event_time":"{_stamp(t)}"{anon}'
                                f'{logged if i >= login_at else ""}{mid}{body}{tail}', eid))
        self.events += len(batch)
        self.sessions.append(batch)

    def records(self) -> list[Record]:
        self.rng.shuffle(self.sessions)
        return [record for batch in self.sessions for record in batch]
