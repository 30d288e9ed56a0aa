"""Files that hold secrets: owner-only from their first byte, replaced atomically."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` (0600); a concurrent reader sees the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path.with_name(f".{path.name}.{os.getpid()}")
    candidate.unlink(missing_ok=True)
    candidate.touch(mode=0o600)
    candidate.write_text(text, encoding="utf-8")
    candidate.replace(path)
    return path
