"""Reading the truth manifests back: what the generator hid in the deliveries made so far."""

from __future__ import annotations

import json
from pathlib import Path

from ecomlake.config import Settings


def manifests(cfg: Settings, source: str) -> list[dict]:
    """Every truth manifest of ``source``, in delivery order."""
    return [json.loads(path.read_text(encoding="utf-8"))
            for path in sorted((Path(cfg.truth_root) / source).glob("*/manifest.json"))]


def listed(cfg: Settings, source: str, name: str) -> set[str]:
    """Every identifier the manifests of ``source`` list under ``name`` (e.g. orders' ``deleted_orders``)."""
    return {value for manifest in manifests(cfg, source) for value in manifest.get(name) or []}
