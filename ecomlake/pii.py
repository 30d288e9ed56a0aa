"""Keyed tokens for PII: HMAC-SHA256, computed by a JVM function that reads the key on the executor.

The same input gives the same token in every table, so joins on phone or email
still work in silver, while the raw value stays in bronze only. The key comes
from ``ECOMLAKE_HMAC_KEY`` or, in a local checkout, a random key created once
in ``<var>/secrets/hmac.key`` (git-ignored, 0600). A plan names only where the
key is (:class:`HmacKey`), never the key: it is not in EXPLAIN output, the
Spark UI or a log. (Spark's ``sha2`` would need the key's pads as literals,
from which the key follows.) The function is ``infra/jvm/.../pii/HmacSha256``,
built into ``ecomlake-pii`` by ``make jars``; on a cluster, executors need
``ECOMLAKE_HMAC_KEY`` in their own environment, or the key file at the same path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F

from ecomlake.config import Settings
from ecomlake.private_files import secret_once
from ecomlake.spark import get_spark

KEY_ENV = "ECOMLAKE_HMAC_KEY"
FUNCTION = "ecomlake_hmac_sha256"
JAVA_CLASS = "ecomlake.pii.HmacSha256"


@dataclass(frozen=True)
class HmacKey:
    """Where executors read the key: ``env:<NAME>`` or ``file:<path>``. Safe to show; the key is not in it."""

    source: str


def hmac_key(cfg: Settings) -> HmacKey:
    if os.environ.get(KEY_ENV):
        return HmacKey(f"env:{KEY_ENV}")
    path = cfg.var_dir / "secrets" / "hmac.key"
    secret_once(path)
    return HmacKey(f"file:{path}")


def hmac_sha256(value: Column, key: HmacKey) -> Column:
    """HMAC-SHA256 of ``value`` (a string column, as UTF-8) as 64 hex characters; null stays null."""
    # Per session (the engine's calls each have one); registering again is a no-op.
    get_spark().udf.registerJavaFunction(FUNCTION, JAVA_CLASS, "string")
    return F.call_function(FUNCTION, value, F.lit(key.source))
