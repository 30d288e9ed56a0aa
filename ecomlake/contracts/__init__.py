"""Source contracts: one YAML file per source system, read into typed objects.

The contract is the single source of truth for a source's schema, keys, PII
fields and delivery format; the generator, the Spark readers, the bronze
schema and the expectation suites are all derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path

import yaml

CONTRACTS_DIR = Path(__file__).parent

# Debezium-style change-event envelope around each source row.
CDC_OPS = ("c", "u", "d", "r")


class Reason(StrEnum):
    """Machine-readable quarantine reasons; the ``:<field>`` suffix names the field."""

    MALFORMED_JSON = "malformed_json"
    UNKNOWN_OP = "unknown_op"
    MISSING_REQUIRED = "missing_required"
    BAD_TYPE = "bad_type"
    NOT_ALLOWED = "not_allowed"
    OUT_OF_RANGE = "out_of_range"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    required: bool = False
    pii: bool = False
    allowed: tuple[str, ...] = ()
    min: int | None = None


@dataclass(frozen=True)
class Contract:
    source: str
    system: str
    format: str
    delivery: str
    key: tuple[str, ...]
    event_time: str
    entity: str
    fields: tuple[Field, ...] = field(default_factory=tuple)
    max_quarantine_share: float = 0.05

    @property
    def envelope_ddl(self) -> str:
        """Schema of one delivered line for the source's format."""
        if self.format == "jsonl_cdc":
            row = "struct<" + ", ".join(f"`{f.name}`: {f.type}" for f in self.fields) + ">"
            return f"op string, ts_ms bigint, before {row}, after {row}"
        raise ValueError(f"{self.source}: unsupported format {self.format!r}")

    @property
    def pii_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.pii)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _parse(raw: dict) -> Contract:
    fields = tuple(
        Field(**{**spec, "allowed": tuple(spec.get("allowed", ()))}) for spec in raw.pop("fields")
    )
    return Contract(**{**raw, "key": tuple(raw["key"])}, fields=fields)


@cache
def load_contract(source: str) -> Contract:
    path = CONTRACTS_DIR / f"{source}.yaml"
    if not path.is_file():
        raise KeyError(f"no contract for source {source!r} in {CONTRACTS_DIR}")
    return _parse(yaml.safe_load(path.read_text(encoding="utf-8")))


def all_sources() -> list[str]:
    return sorted(p.stem for p in CONTRACTS_DIR.glob("*.yaml"))
