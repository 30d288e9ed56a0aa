"""Coupon holdouts scored against the truth: does each template's 95 % interval of the paid orders it added
per member sent (``marts.coupon_performance``, read with delta-rs) contain the truth's, the paid orders its
coupons induced (:mod:`ecomgen.promotions`) per member sent? About 95 % of intervals should. A template whose
arms are too small for an interval (the mart leaves it null) is counted apart, not as covered."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ecomgen import manifests
from ecomgen.lake import read_table
from ecomlake.config import Settings


@dataclass(frozen=True)
class HoldoutCheck:
    template_id: str
    true_lift: float  # induced paid orders per member sent
    low: float | None  # None: too few members for an interval
    high: float | None

    @property
    def measured(self) -> bool:
        return self.low is not None

    @property
    def covered(self) -> bool:
        return self.measured and self.low <= self.true_lift <= self.high


def holdout_checks(cfg: Settings) -> list[HoldoutCheck]:
    truth = manifests(cfg, "coupons")
    sent = {t: spec["sent"] for m in truth for t, spec in ((m.get("holdout") or {}).get("templates") or {}).items()}
    orders = read_table(cfg, "silver", "orders", ["order_id", "is_paid"])
    paid = {o for o, is_paid in zip(orders["order_id"], orders["is_paid"], strict=True) if is_paid}
    induced = Counter(t for m in truth for o, t in ((m.get("holdout") or {}).get("induced_orders") or {}).items()
                      if o in paid)
    mart = read_table(cfg, "marts", "coupon_performance", ["template_id", "orders_lift_low", "orders_lift_high"])
    return [HoldoutCheck(t, induced[t] / sent[t], low, high)
            for t, low, high in zip(mart["template_id"], mart["orders_lift_low"], mart["orders_lift_high"], strict=True)
            if sent.get(t)]


def render(checks: list[HoldoutCheck]) -> str:
    measured = [c for c in checks if c.measured]
    lines = [f"  {sum(c.covered for c in measured)} of {len(measured)} templates' 95 % intervals contain the true lift"
             f" (orders per member sent); {len(checks) - len(measured)} too small for an interval"]
    lines += [f"    {c.template_id}: true {c.true_lift:.4f} outside [{c.low:.4f}, {c.high:.4f}]"
              for c in measured if not c.covered]
    return "\n".join(lines)
