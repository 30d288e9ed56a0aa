"""The order-brushing detector scored against the truth: precision and recall of ``marts.suspicious_orders``'
flag (read with delta-rs) against the orders the generator's rings and crowds placed (:mod:`ecomgen.brushing`),
over the orders the mart scores (a fake order held in quarantine cannot be found, and is not counted missed);
the crowds' orders, which share no phone or address, also on their own."""

from __future__ import annotations

from dataclasses import dataclass

from ecomgen import manifests
from ecomgen.lake import read_table
from ecomlake.config import Settings


@dataclass(frozen=True)
class BrushingScores:
    scored: int
    brushed: frozenset[str]  # fake orders (rings' and crowds') the mart scores
    crowd: frozenset[str]  # the crowds' among them
    flagged: frozenset[str]

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
        return (f"  {len(self.flagged)} of {self.scored} orders flagged, {len(self.brushed)} fake "
                f"({len(self.crowd)} of them by crowds on their own phones): precision {self.precision:.3f}, "
                f"recall {self.recall:.3f} (crowds' {self.crowd_recall:.3f})")


def brushing_scores(cfg: Settings) -> BrushingScores:
    truth = {o for m in manifests(cfg, "orders") for o in m.get("brushing_orders") or []}
    crowd = {o for m in manifests(cfg, "orders") for o in m.get("crowd_brushing_orders") or []}
    mart = read_table(cfg, "marts", "suspicious_orders", ["order_id", "is_suspicious"])
    scored = set(mart["order_id"])
    flagged = {o for o, is_suspicious in zip(mart["order_id"], mart["is_suspicious"], strict=True) if is_suspicious}
    return BrushingScores(len(scored), frozenset(truth & scored), frozenset(crowd & scored), frozenset(flagged))
