"""The shop's ad campaigns: shared by ad spend (what was paid), clickstream (UTM landings) and coupons."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

PLATFORMS = ("douyin", "xiaohongshu", "wechat", "baidu")
# UTM source and medium each platform's landing URLs carry.
UTM = {"douyin": ("douyin", "video"), "xiaohongshu": ("xiaohongshu", "social"), "wechat": ("wechat", "social"),
       "baidu": ("baidu", "cpc")}
CAMPAIGNS_PER_PLATFORM = 6
THEMES = ("双11预热", "新客专享", "会员日", "爆款直降", "秋冬上新", "品牌日")


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    platform: str
    name: str
    utm_campaign: str
    # Spend per day at scale 1, in fen; the platform spends around it.
    daily_budget_fen: int

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
        )
        for p, platform in enumerate(PLATFORMS)
        for n in range(CAMPAIGNS_PER_PLATFORM)
    )
