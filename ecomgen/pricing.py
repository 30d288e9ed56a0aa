"""What a buyer pays per unit: the catalog's price, changed by the channel and by the shop's pricing episodes.

Legitimate differences a price audit must not report: JD sells 3 % below the catalog (the platform's
price match), and Douyin runs a subsidy of 10 % off every morning until an hour drawn per day (12:00 to
17:00 UTC), after which everyone there pays the full price (so in the afternoon *every* Douyin buyer pays
more than most did that day). Discrimination it must find: in an episode, buyers from accounts of one city
tier pay more for a share of the SKUs during one hour, in every channel (大数据杀熟). The buyer's tier is
their own city's, as the shop's profile had it, while the audit sees the account's city today (some have
moved since) and guests only by where the parcel went.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ecomgen import people

CHANNEL_PERCENT = {"jd": 97}
SUBSIDY_CHANNEL, SUBSIDY_PERCENT, SUBSIDY_ENDS_HOURS = "douyin", 90, (12, 17)


@dataclass(frozen=True)
class Episode:
    """Buyers of ``city_tier`` pay ``markup`` × the price for a ``sku_share`` of the SKUs during one hour."""

    day_index: int
    hour: int
    city_tier: int
    markup: float
    sku_share: float

    def marks(self, seed: int, sku_number: int) -> bool:
        """Whether the episode marks this SKU up (a draw per SKU: a share of any catalog)."""
        return people.draw(seed, "episode-sku", self.day_index, sku_number) < self.sku_share

    def truth(self, seed: int, day: date, sku_ids: dict[int, str]) -> dict:
        """What happened: the hour, the segment, the markup and the SKUs marked up (of ``sku_ids``)."""
        return {"day": day.isoformat(), "hour_utc": self.hour, "segment_kind": "city_tier",
                "segment": str(self.city_tier), "markup": self.markup,
                "skus": sorted(sku for n, sku in sku_ids.items() if self.marks(seed, n))}


# A strong markup on the first day, a faint one on the second (one buyer in three of tier-2 cities is
# rare in an hour at demo scale: the audit must find it from a handful of lines).
EPISODES = (Episode(0, 20, 1, 1.15, 0.3), Episode(1, 13, 2, 1.06, 0.3))


def episodes_on(day_index: int) -> list[Episode]:
    return [e for e in EPISODES if e.day_index == day_index]


def subsidy_ends_hour(seed: int, day: date) -> int:
    low, high = SUBSIDY_ENDS_HOURS
    return low + int(people.draw(seed, "subsidy-ends", day.isoformat()) * (high - low + 1))


def unit_price_fen(list_fen: int, sku_number: int, channel: str, created: datetime, city_tier: int, seed: int,
                   day_index: int) -> int:
    """The price a buyer of ``city_tier`` pays in ``channel`` at ``created`` for a SKU listed at ``list_fen``."""
    price = list_fen * CHANNEL_PERCENT.get(channel, 100) // 100
    if channel == SUBSIDY_CHANNEL and created.hour < subsidy_ends_hour(seed, created.date()):
        price = price * SUBSIDY_PERCENT // 100
    for episode in episodes_on(day_index):
        if created.hour == episode.hour and city_tier == episode.city_tier and episode.marks(seed, sku_number):
            price = int(price * episode.markup)
    return price
