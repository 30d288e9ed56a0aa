"""The order-brushing detector scored against the truth: precision and recall of ``marts.suspicious_orders``'
flag (read with delta-rs) against the orders the generator's rings and crowds placed (:mod:`ecomgen.brushing`),
over the orders the mart scores that were placed on a delivered day (a fake order held in quarantine cannot be
found, and is not counted missed); the crowds' orders, which share no phone or address, also on their own.

An order placed before the first delivered day is in the lake only through its later changes, and so are the
orders beside it (its ring's, its crowd's): the detector sees a fraction of that day. Those orders are scored
apart, shown but not counted, as a lake with a long history has them only in its first days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ecomgen import manifests
from ecomgen.lake import read_table
from ecomlake.config import Settings


@dataclass(frozen=True)
class BrushingScores:
    scored: int
    brushed: frozenset[str]  # fake orders (rings' and crowds') the mart scores, placed on a delivered day
    crowd: frozenset[str]  # the crowds' among them
    flagged: frozenset[str]
    earlier_brushed: frozenset[str]  # fake orders placed before the first delivered day
    earlier_flagged: frozenset[str]

    @property
    def precision(self) -> float:
        return len(self.flagged & self.brushed) / len(self.flagged) if self.flagged else 0.0

    @property
    def recall(self) -> float:
        return len(self.flagged & self.brushed) / len(self.brushed) if self.brushed else 0.0

    @property
    def crowd_recall(self) -> float:
        return len(self.flagged & self.crowd) / len(self.crowd) if self.crowd else 0.0

    def render(self) -> str:
        earlier = len(self.earlier_flagged & self.earlier_brushed)
        return (f"  {len(self.flagged)} of {self.scored} orders flagged, {len(self.brushed)} fake "
                f"({len(self.crowd)} of them by crowds on their own phones): precision {self.precision:.3f}, "
                f"recall {self.recall:.3f} (crowds' {self.crowd_recall:.3f})\n"
                f"  placed before the first delivered day (not counted): {len(self.earlier_flagged)} flagged, "
                f"{earlier} of {len(self.earlier_brushed)} fake found")


def brushing_scores(cfg: Settings) -> BrushingScores:
    delivered = manifests(cfg, "orders")
    truth = {o for m in delivered for o in m.get("brushing_orders") or []}
    crowd = {o for m in delivered for o in m.get("crowd_brushing_orders") or []}
    first_day = min(date.fromisoformat(m["first_day"]) for m in delivered)
    mart = read_table(cfg, "marts", "suspicious_orders", ["order_id", "order_date", "is_suspicious"])
    placed = {o: (day >= first_day, flag) for o, day, flag in zip(*mart.values(), strict=True)}
    scored = {o for o, (in_window, _) in placed.items() if in_window}
    flagged = {o for o, (_, flag) in placed.items() if flag}
    earlier = placed.keys() - scored
    return BrushingScores(len(scored), frozenset(truth & scored), frozenset(crowd & scored),
                          frozenset(flagged & scored), frozenset(truth & earlier), frozenset(flagged & earlier))
