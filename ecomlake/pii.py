"""Keyed tokens for PII: HMAC-SHA256 computed with Spark built-ins (no Python UDF).

The same input gives the same token in every table, so joins on phone or email
still work in silver, while the raw value stays in bronze only. The key comes
from ``ECOMLAKE_HMAC_KEY`` or, in a local checkout, a random key created once
in ``<var>/secrets/hmac.key`` (git-ignored); it is never logged.
"""

from __future__ import annotations

import hashlib
import os
import secrets

from pyspark.sql import Column
from pyspark.sql import functions as F

from ecomlake.config import Settings

BLOCK_SIZE = 64  # SHA-256 block size in bytes (RFC 2104)


def hmac_key(cfg: Settings) -> bytes:
    if key := os.environ.get("ECOMLAKE_HMAC_KEY"):
        return key.encode("utf-8")
    path = cfg.var_dir / "secrets" / "hmac.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = path.with_name(f".hmac.key.{os.getpid()}")
        candidate.write_text(secrets.token_hex(32))
        candidate.chmod(0o600)
        try:
            os.link(candidate, path)  # atomic: concurrent tasks all end up with the first key
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip().encode("utf-8")


def hmac_sha256(value: Column, key: bytes) -> Column:
    """HMAC-SHA256 of ``value`` (a string column) as 64 hex characters; null stays null."""
    if len(key) > BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK_SIZE, b"\0")
    inner_pad = bytes(b ^ 0x36 for b in key).hex()
    outer_pad = bytes(b ^ 0x5C for b in key).hex()
    inner = F.sha2(F.concat(F.unhex(F.lit(inner_pad)), F.encode(value, "UTF-8")), 256)
    return F.sha2(F.concat(F.unhex(F.lit(outer_pad)), F.unhex(inner)), 256)
