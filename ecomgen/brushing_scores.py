"""The order-brushing detector scored against the truth: precision and recall of ``marts.suspicious_orders``'
flag (read with delta-rs) against the orders the generator's rings placed (:mod:`ecomgen.brushing`), over
the orders the mart scores (a ring order held in quarantine cannot be found, and is not counted missed)."""

from __future__ import annotations

from dataclasses import dataclass

from ecomgen import manifests
from ecomgen.lake import read_table
from ecomlake.config import Settings


@dataclass(frozen=True)
class BrushingScores:
    scored: int
    rings: frozenset[str]  # ring orders the mart scores
    flagged: frozenset[str]

    @property
    def precision(self) -> float:
        return len(self.flagged & self.rings) / len(self.flagged) if self.flagged else 0.0

    @property
    def recall(self) -> float:
        return len(self.flagged & self.rings) / len(self.rings) if self.rings else 0.0

    def render(self) -> str:
        return (f"  {len(self.flagged)} of {self.scored} orders flagged, {len(self.rings)} placed by rings: "
                f"precision {self.precision:.3f}, recall {self.recall:.3f}")


def brushing_scores(cfg: Settings) -> BrushingScores:
    truth = {o for m in manifests(cfg, "orders") for o in m.get("brushing_orders") or []}
    mart = read_table(cfg, "marts", "suspicious_orders", ["order_id", "is_suspicious"])
    scored = set(mart["order_id"])
    flagged = {o for o, is_suspicious in zip(mart["order_id"], mart["is_suspicious"], strict=True) if is_suspicious}
    return BrushingScores(len(scored), frozenset(truth & scored), frozenset(flagged))
