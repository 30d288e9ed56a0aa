"""The shop's ad campaigns: shared by ad spend (what was paid), clickstream (UTM landings) and coupons.

Each campaign also has what no report shows: its daily reach among the own shop's shoppers and its true
lift of their chance to buy that day (:mod:`ecomgen.journeys` plays them out, the truth records them).
Both are drawn log-uniformly and independently, so some campaigns reach many shoppers who would have
bought anyway (the ones last-touch rewards) and some reach few but change their minds.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cache

PLATFORMS = ("douyin", "xiaohongshu", "wechat", "baidu")
# UTM source and medium each platform's landing URLs carry.
UTM = {"douyin": ("douyin", "video"), "xiaohongshu": ("xiaohongshu", "social"), "wechat": ("wechat", "social"),
       "baidu": ("baidu", "cpc")}
CAMPAIGNS_PER_PLATFORM = 6
THEMES = ("双11预热", "新客专享", "会员日", "爆款直降", "秋冬上新", "品牌日")
# How long before a purchase a platform's ad typically lands a shopper, in minutes: short videos and notes
# inspire hours ahead, a search ad catches the shopper on the way to the till.
LEAD_MINUTES = {"douyin": 360, "xiaohongshu": 480, "wechat": 120, "baidu": 15}
REACH_RANGE, LIFT_RANGE = (0.01, 0.08), (0.01, 0.3)


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    platform: str
    name: str
    utm_campaign: str
    # Spend per day at scale 1, in fen; the platform spends around it.
    daily_budget_fen: int
    # Share of the day's own-shop shoppers the campaign lands on the shop, and how much a landing raises
    # that shopper's chance to buy that day (absolute): the campaign's true incremental effect.
    reach: float
    lift: float

    @property
    def lead_minutes(self) -> int:
        return LEAD_MINUTES[self.platform]

    @property
    def utm_source(self) -> str:
        return UTM[self.platform][0]

    @property
    def utm_medium(self) -> str:
        return UTM[self.platform][1]


@cache
def campaigns(seed: int) -> tuple[Campaign, ...]:
    rng = random.Random(f"campaigns:{seed}")
    return tuple(
        Campaign(
            campaign_id=f"C{p}{n:03d}",
            platform=platform,
            name=f"{THEMES[n % len(THEMES)]}-{platform}-{n}",
            utm_campaign=f"{platform}_{n:02d}",
            daily_budget_fen=rng.randrange(200_000, 3_000_000),
            reach=_log_uniform(random.Random(f"reach:{seed}:{p}:{n}"), *REACH_RANGE),
            lift=_log_uniform(random.Random(f"lift:{seed}:{p}:{n}"), *LIFT_RANGE),
        )
        for p, platform in enumerate(PLATFORMS)
        for n in range(CAMPAIGNS_PER_PLATFORM)
    )


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))
