"""The daily catalog snapshot from the PIM: every SKU the orders sell, at the price they sell it for.

Prices come from :func:`orders.list_price_fen`, so catalog and orders agree: a few SKUs are
repriced every day and weekly promotions start and end, so each snapshot changes some prices
(SCD2 in silver). A SKU or so a day is discontinued (:func:`orders.retired_on`) and stays in the
snapshot with that status; orders stop selling it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from ecomgen import orders
from ecomgen.model import Day, DeliveryFile, Record, bad_csv_records, csv_line, money_yuan, scatter
from ecomlake.contracts import load_contract

CONTRACT = load_contract("products")
COLUMNS = [f.name for f in CONTRACT.fields]
ROLES = CONTRACT.field("role").allowed
ROLE_WEIGHTS = (25, 60, 15)
# Top-level category → (brands, {second level: leaf categories}).
CATALOG = {
    "服饰鞋包": (("优衣库", "李宁", "安踏", "太平鸟"),
             {"女装": ("连衣裙", "针织衫", "羽绒服"), "男装": ("衬衫", "夹克", "休闲裤"),
              "运动鞋": ("跑步鞋", "板鞋")}),
    "美妆个护": (("百雀羚", "完美日记", "花西子", "珀莱雅"),
             {"护肤": ("面霜", "精华液", "面膜"), "彩妆": ("口红", "粉底液", "眼影盘"),
              "洗护": ("洗发水", "沐浴露")}),
    "食品饮料": (("三只松鼠", "良品铺子", "农夫山泉", "元气森林"),
             {"休闲零食": ("坚果礼盒", "牛肉干", "饼干"), "饮料冲调": ("气泡水", "挂耳咖啡", "花草茶")}),
    "家居日用": (("苏泊尔", "九阳", "罗莱", "名创优品"),
             {"厨房用具": ("不粘锅", "保温杯", "刀具套装"), "床上用品": ("四件套", "乳胶枕", "羊毛被")}),
    "数码电器": (("小米", "华为", "漫步者", "绿联"),
             {"手机配件": ("充电宝", "数据线", "手机壳"), "影音": ("蓝牙耳机", "智能音箱"),
              "生活电器": ("电动牙刷", "吹风机")}),
}
DESCRIPTORS = ("新款", "经典款", "加厚", "轻薄", "大容量", "升级版", "限定款", "家庭装", "便携", "2026秋冬")


@dataclass(frozen=True)
class Sku:
    """What does not change from day to day about a SKU."""

    number: int
    values: dict  # name, brand, categories, role, cost, launch


@lru_cache(maxsize=2)
def _skus(seed: int, scale: float, first_day: date) -> tuple[Sku, ...]:
    skus = []
    for number in range(orders.skus(scale)):
        rng = random.Random(f"products:{seed}:{number}")
        l1 = rng.choice(list(CATALOG))
        brands, tree = CATALOG[l1]
        l2 = rng.choice(list(tree))
        l3 = rng.choice(tree[l2])
        brand = rng.choice(brands)
        # Below even the promotional price (90% of list): at most 75% of the list price.
        cost_fen = orders.list_price_fen(number, first_day, scale) * rng.randrange(35, 76) // 100
        values = {
            "sku_id": orders.sku_id(number), "product_name": f"{brand}{rng.choice(DESCRIPTORS)}{l3}",
            "brand": brand, "category_l1": l1, "category_l2": l2, "category_l3": l3,
            "role": rng.choices(ROLES, ROLE_WEIGHTS)[0], "cost_yuan": money_yuan(cost_fen),
            "launched_on": first_day - timedelta(days=rng.randrange(1, 1_500)),
        }
        skus.append(Sku(number, values))
    return tuple(skus)


def _row(d: Day, sku: Sku, day: date) -> dict:
    """The SKU's snapshot row on ``day``, in contract field order."""
    status = "on_sale" if orders.on_sale(d.seed, d.scale, d.first_day, sku.number, day) else "discontinued"
    values = {**sku.values, "price_yuan": money_yuan(orders.list_price_fen(sku.number, day, d.scale)),
              "status": status, "snapshot_date": day}
    return {name: values[name] for name in COLUMNS}


def _snapshot(day: Day, on: date) -> list[dict]:
    return [_row(day, sku, on) for sku in _skus(day.seed, day.scale, day.first_day)]


def deliver(day: Day) -> list[DeliveryFile]:
    """``products-<date>.csv``: the whole catalog as of ``day``, a few broken lines among it."""
    rows = _snapshot(day, day.day)
    good = [Record(csv_line(row.values()), row["sku_id"]) for row in rows]
    bad = bad_csv_records(CONTRACT, day, rows[:2000], len(good), columns=COLUMNS)
    return [DeliveryFile(f"products-{day.day.isoformat()}.csv", scatter(day.rng("products"), good, bad),
                         header=csv_line(COLUMNS))]


def truth(day: Day) -> dict:
    """SKUs whose price or status differs from the previous delivery's snapshot (none on the first day)."""
    today = _snapshot(day, day.day)
    before = _snapshot(day, day.day - timedelta(days=1)) if day.index > 0 else today
    return {
        "price_changes": [{"sku_id": new["sku_id"], "old_price_yuan": str(old["price_yuan"]),
                           "new_price_yuan": str(new["price_yuan"])}
                          for old, new in zip(before, today, strict=True) if old["price_yuan"] != new["price_yuan"]],
        "newly_discontinued": [new["sku_id"] for old, new in zip(before, today, strict=True)
                               if old["status"] != new["status"]],
        "discontinued": [row["sku_id"] for row in today if row["status"] == "discontinued"],
    }
