"""A fingerprint of a set of quarantined records, comparable with any other list of them (e.g. ground truth)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def fingerprint(records: Iterable[tuple[str, str]]) -> dict:
    """Count and SHA-256 of the sorted distinct ``(record hash, reason)`` pairs."""
    lines = sorted({f"{record_hash} {reason}" for record_hash, reason in records})
    return {"records": len(lines), "sha256": hashlib.sha256("\n".join(lines).encode()).hexdigest()}
