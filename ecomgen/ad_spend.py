"""Daily spend reports of the ad platforms, each CSV in the platform's own column names.

One file per platform and spend date, one row per campaign (:mod:`campaigns`); clicks are the
campaign's landings on the shop (:mod:`journeys`) plus those lost before the page loaded. From the
second day on, one or two platforms also re-deliver yesterday's file with corrected figures
under the same name: the latest delivery wins in silver.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

from ecomgen.campaigns import campaigns
from ecomgen.journeys import market_day
from ecomgen.model import Day, DeliveryFile, Record, bad_csv_records, csv_line, money_yuan, scatter
from ecomlake.contracts import load_contract

CONTRACT = load_contract("ad_spend")
VARIANTS = CONTRACT.variants  # platform → {header column: field}
PLATFORMS = tuple(VARIANTS)
MIN_SPEND_FEN = 500


def _rows(day: Day, platform: str, spend_date: date, corrected: bool) -> list[dict]:
    """The platform's figures for ``spend_date``: as first reported, or as corrected a day later."""
    rng = random.Random(f"ad_spend:{day.seed}:{platform}:{spend_date.isoformat()}")
    fix = random.Random(f"ad_spend-fix:{day.seed}:{platform}:{spend_date.isoformat()}")
    landed = Counter(landing.campaign for landing in market_day(replace(day, day=spend_date)).landings)
    rows = []
    for campaign in campaigns(day.seed):
        if campaign.platform != platform:
            continue
        spend = max(MIN_SPEND_FEN, int(campaign.daily_budget_fen * day.scale * rng.uniform(0.7, 1.15)))
        # Some who click leave before the landing page loads: the platform counts more clicks than the shop
        # sees landings.
        clicks = int(landed[campaign] / rng.uniform(0.8, 0.95))
        impressions = int(clicks / rng.uniform(0.005, 0.04))
        if corrected:  # the platform removed invalid traffic, or booked some late
            factor = fix.choice((fix.uniform(0.85, 0.97), fix.uniform(1.03, 1.1)))
            spend, impressions, clicks = int(spend * factor), int(impressions * factor), int(clicks * factor)
        rows.append({"platform": platform, "spend_date": spend_date, "campaign_id": campaign.campaign_id,
                     "campaign_name": campaign.name, "impressions": impressions,
                     "clicks": clicks, "spend_yuan": money_yuan(spend)})
    return rows


def corrected_platforms(day: Day) -> list[str]:
    """Platforms that re-deliver yesterday's figures on ``day`` (none on the first day)."""
    if day.index == 0:
        return []
    rng = day.rng("ad_spend-corrections")
    return sorted(rng.sample(PLATFORMS, rng.choice((1, 2))))


def _file(platform: str, rows: list[dict], bad: list[Record], rng: random.Random) -> DeliveryFile:
    fields = VARIANTS[platform].values()
    good = [Record(csv_line(row[f] for f in fields), "|".join(str(row[k]) for k in CONTRACT.key))
            for row in rows]
    return DeliveryFile(f"{platform}-{rows[0]['spend_date'].isoformat()}.csv", scatter(rng, good, bad),
                        header=csv_line(VARIANTS[platform]))


def deliver(day: Day) -> list[DeliveryFile]:
    """Today's file of every platform, plus yesterday's corrected files; one broken row in one file."""
    rng = day.rng("ad_spend")
    today = {p: _rows(day, p, day.day, corrected=False) for p in PLATFORMS}
    fixes = {p: _rows(day, p, day.day - timedelta(days=1), corrected=True) for p in corrected_platforms(day)}
    good = sum(map(len, today.values())) + sum(map(len, fixes.values()))
    # One bad row a day keeps the share small; the kind of breakage rotates from day to day.
    broken = PLATFORMS[day.index % len(PLATFORMS)]
    bad = bad_csv_records(CONTRACT, day, today[broken], good, columns=list(VARIANTS[broken].values()))
    return [_file(p, rows, bad if p == broken else [], rng) for p, rows in today.items()] + [
        _file(p, rows, [], rng) for p, rows in fixes.items()]


def truth(day: Day) -> dict:
    spend_date = (day.day - timedelta(days=1)).isoformat()
    return {"corrections": [{"platform": p, "spend_date": spend_date} for p in corrected_platforms(day)]}
