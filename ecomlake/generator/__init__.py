"""Deterministic synthetic deliveries with ground truth beside them.

A delivery is written to ``<landing>/<source>/<date>/`` part by part, each part
renamed into place when complete, then a ``_READY`` marker, then its arrival is
announced (see :mod:`ecomlake.landing`). The ground truth (good keys, every deliberately bad
record with its reason) goes to ``<truth>/<source>/<date>/manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ecomlake.config import Settings
from ecomlake.generator import orders
from ecomlake.landing import READY_MARKER, announce_arrival

log = logging.getLogger(__name__)

LINES_PER_PART = 50_000
DELIVERIES = {"orders": orders.delivery}


@dataclass(frozen=True)
class DeliveryReport:
    source: str
    day: date
    files: list[str]
    lines: int
    bad_records: int
    keys: int


def record_hash(text: str) -> str:
    """The record hash bronze stores: SHA-256 of the line as delivered (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _part_path(source: str, day: date, line_index: int) -> str:
    """Landing-relative path of the part file that holds line ``line_index``."""
    part = line_index // LINES_PER_PART + 1
    return f"{source}/{day.isoformat()}/{source}-{day.isoformat()}-part-{part:04d}.jsonl"


def write_delivery(cfg: Settings, source: str, day: date, seed: int, scale: float) -> DeliveryReport:
    lines = DELIVERIES[source](day, seed, scale)
    landing = Path(cfg.landing_root)
    (landing / source / day.isoformat()).mkdir(parents=True, exist_ok=True)
    files = []
    for start in range(0, len(lines), LINES_PER_PART):
        files.append(_part_path(source, day, start))
        part = lines[start : start + LINES_PER_PART]
        _write_atomically(landing / files[-1], "".join(f"{line.text}\n" for line in part))
    bad = [
        {"file": _part_path(source, day, i), "record_hash": record_hash(line.text),
         "reason": line.bad_reason}
        for i, line in enumerate(lines) if line.bad_reason
    ]
    keys = sorted({line.order_id for line in lines if not line.bad_reason and line.order_id})
    truth = Path(cfg.truth_root) / source / day.isoformat()
    truth.mkdir(parents=True, exist_ok=True)
    manifest = {"source": source, "day": day.isoformat(), "seed": seed, "scale": scale,
                "files": files, "lines": len(lines), "bad_records": bad, "keys": keys}
    _write_atomically(truth / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    marker = landing / source / day.isoformat() / READY_MARKER
    _write_atomically(marker, json.dumps({"files": files, "lines": len(lines)}))
    announce_arrival(cfg, source)
    log.info("delivered %s %s: %d lines in %d files (%d bad)", source, day, len(lines), len(files), len(bad))
    return DeliveryReport(source, day, files, len(lines), len(bad), len(keys))


def generate(cfg: Settings, sources: list[str], start: date, days: int, seed: int, scale: float
             ) -> list[DeliveryReport]:
    return [
        write_delivery(cfg, source, start + timedelta(days=offset), seed, scale)
        for offset in range(days)
        for source in sources
    ]


def generated_keys(cfg: Settings, source: str) -> set[str]:
    """Every good key the generator delivered so far, from its ground truth."""
    keys: set[str] = set()
    for manifest in sorted((Path(cfg.truth_root) / source).glob("*/manifest.json")):
        keys.update(json.loads(manifest.read_text(encoding="utf-8"))["keys"])
    return keys
