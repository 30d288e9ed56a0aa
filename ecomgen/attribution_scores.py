"""Attribution scored against the truth: what each model credits each campaign (``marts.attribution_by_campaign``,
read with delta-rs) against the orders each campaign alone caused (the clickstream manifests'
``campaign_effects``, :mod:`ecomgen.journeys`).

Two figures per model, over the campaigns: the **Spearman rank correlation** of its credited orders with
the true incremental orders (does it rank campaigns right?), and the **share error**, half the L1
distance between the shares of campaign credit it gives and the true shares of incremental orders (0 when
it splits the campaigns' credit exactly as they earned it, 1 at worst). Every model also credits
campaigns with orders that would have happened anyway; ``credited ÷ true`` says by how much.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from ecomgen import manifests
from ecomgen.lake import read_table
from ecomlake.config import Settings

DIRECT = "direct"


@dataclass(frozen=True)
class ModelScore:
    model: str
    spearman: float
    share_error: float
    credited: float  # orders the model credits to campaigns


@dataclass(frozen=True)
class AttributionScores:
    true_incremental: int  # orders some campaign alone caused, over the history
    models: tuple[ModelScore, ...]

    def of(self, model: str) -> ModelScore:
        return next(m for m in self.models if m.model == model)

    def render(self) -> str:
        lines = [f"  {'model':<16} {'Spearman':>8} {'share error':>11} {'credited ÷ true':>15}"]
        lines += [f"  {m.model:<16} {m.spearman:>8.3f} {m.share_error:>11.3f} "
                  f"{m.credited / max(self.true_incremental, 1):>15.2f}" for m in self.models]
        return "\n".join([f"  {self.true_incremental} orders were caused by a campaign alone (truth)", *lines])


def true_incremental_orders(cfg: Settings) -> Counter:
    """Campaign id → orders it alone caused, summed over every delivery so far."""
    caused: Counter = Counter()
    for manifest in manifests(cfg, "clickstream"):
        for campaign_id, effect in (manifest.get("campaign_effects") or {}).get("campaigns", {}).items():
            caused[campaign_id] += len(effect["incremental_orders"])
    return caused


def ranks(values: list[float]) -> list[float]:
    """Ranks from 1, ties sharing their average rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for i in order[start:end + 1]:
            out[i] = (start + end) / 2 + 1
        start = end + 1
    return out


def spearman(xs: list[float], ys: list[float]) -> float:
    """Pearson correlation of the ranks (0 when either side has no spread)."""
    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx, vy = sum((a - mx) ** 2 for a in rx), sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx and vy else 0.0


def share_error(credited: dict[str, float], true: dict[str, float]) -> float:
    total_credited, total_true = sum(credited.values()), sum(true.values())
    if not total_credited or not total_true:
        return 1.0
    return sum(abs(credited.get(c, 0.0) / total_credited - true.get(c, 0.0) / total_true)
               for c in credited.keys() | true.keys()) / 2


def attribution_scores(cfg: Settings) -> AttributionScores:
    true = true_incremental_orders(cfg)
    mart = read_table(cfg, "marts", "attribution_by_campaign",
                      ["campaign_id", "attribution_model", "attributed_orders"])
    by_model: dict[str, dict[str, float]] = defaultdict(dict)
    for campaign_id, model, orders in zip(mart["campaign_id"], mart["attribution_model"], mart["attributed_orders"],
                                          strict=True):
        if campaign_id != DIRECT:
            by_model[model][campaign_id] = orders
    campaigns = sorted(true)
    return AttributionScores(sum(true.values()), tuple(
        ModelScore(model, spearman([credited.get(c, 0.0) for c in campaigns], [true[c] for c in campaigns]),
                   share_error(credited, {c: float(n) for c, n in true.items()}), sum(credited.values()))
        for model, credited in sorted(by_model.items())))
