"""The price audit scored against the truth: did ``marts.price_discrimination_findings`` (read with delta-rs)
name every pricing episode the generator ran (:mod:`ecomgen.pricing`: the day, hour and segment that paid
more), and how many of its findings match no episode?"""

from __future__ import annotations

from dataclasses import dataclass

from ecomgen import manifests
from ecomgen.lake import read_table
from ecomlake.config import Settings

Finding = tuple[str, int, str, str]  # day, UTC hour, segment kind, segment


@dataclass(frozen=True)
class PriceAuditScores:
    episodes: frozenset[Finding]
    findings: frozenset[Finding]

    @property
    def found(self) -> frozenset[Finding]:
        return self.episodes & self.findings

    @property
    def false_findings(self) -> frozenset[Finding]:
        return self.findings - self.episodes

    def render(self) -> str:
        missed = ", ".join(_text(e) for e in sorted(self.episodes - self.findings)) or "none"
        false = ", ".join(_text(f) for f in sorted(self.false_findings)) or "none"
        return (f"  {len(self.found)} of {len(self.episodes)} pricing episodes found; missed: {missed}; "
                f"{len(self.false_findings)} false findings: {false}")


def _text(finding: Finding) -> str:
    day, hour, kind, segment = finding
    return f"{kind} {segment} on {day} {hour:02d}:00"


def price_audit_scores(cfg: Settings) -> PriceAuditScores:
    episodes = frozenset((e["day"], e["hour_utc"], e["segment_kind"], e["segment"])
                         for m in manifests(cfg, "orders") for e in m.get("pricing_episodes") or [])
    mart = read_table(cfg, "marts", "price_discrimination_findings",
                      ["order_date", "order_hour", "segment_kind", "segment"])
    findings = frozenset((d.isoformat(), h, k, s) for d, h, k, s in zip(
        mart["order_date"], mart["order_hour"], mart["segment_kind"], mart["segment"], strict=True))
    return PriceAuditScores(episodes, findings)
