"""Files replaced atomically (a reader sees the old file or the new one); those that hold secrets owner-only
from their first byte."""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path


def _candidate(path: Path) -> Path:
    """A scratch name beside ``path`` of this process and thread alone (the engine runs calls side by side)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")


def write_whole(path: Path, text: str, mode: int = 0o644) -> Path:
    """Write ``text`` to ``path`` with ``mode``; a concurrent reader sees the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = _candidate(path)
    candidate.unlink(missing_ok=True)
    candidate.touch(mode=mode)
    candidate.write_text(text, encoding="utf-8")
    candidate.replace(path)
    return path


def write_private(path: Path, text: str) -> Path:
    """:func:`write_whole`, owner-only (0600)."""
    return write_whole(path, text, 0o600)


def secret_once(path: Path) -> str:
    """A random secret kept in ``path`` (0600), created on first use; concurrent first users all get the same."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = _candidate(path)
        candidate.unlink(missing_ok=True)
        candidate.touch(mode=0o600)  # owner-only before it holds the secret
        candidate.write_text(secrets.token_hex(32), encoding="utf-8")
        try:
            os.link(candidate, path)  # atomic, and never replaces a secret another process created first
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text(encoding="utf-8").strip()
