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
    MALFORMED_CSV = "malformed_csv"
    UNKNOWN_VARIANT = "unknown_variant"
    UNKNOWN_OP = "unknown_op"
    MISSING_REQUIRED = "missing_required"
    BAD_TYPE = "bad_type"
    NOT_ALLOWED = "not_allowed"
    OUT_OF_RANGE = "out_of_range"


PII_KINDS = ("phone", "email", "name", "address", "free_text")
FORMATS = ("jsonl_cdc", "jsonl", "csv", "parquet")
# A person's identifiers (the OneID types) and their orders' ids: what an erasure request looks for.
IDENTIFIER_KINDS = ("user_id", "phone", "email", "wechat_unionid", "device_id", "anonymous_id", "order_id")


class ContractError(ValueError):
    """A contract file is inconsistent: fix the YAML, not the code."""


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    required: bool = False
    pii: str | None = None
    allowed: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    # The allowed values are in lifecycle order: a later one wins a tie on event time.
    ordered: bool = False
    # What kind of identifier of a person (or of their order) the field holds; erasure finds them by it.
    identifier: str | None = None


@dataclass(frozen=True)
class Silver:
    """How bronze becomes the silver entity table."""

    table: str
    # Newest wins by these columns (then delivery date, then record hash); ordered fields by lifecycle.
    order_by: tuple[str, ...] = ()
    # ``scd2``: keep every version of the ``tracked`` columns with valid_from / valid_to.
    history: str | None = None
    tracked: tuple[str, ...] = ()
    partition_by: str | None = None
    # Extra silver columns as Spark SQL expressions over the contract's fields.
    derive: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Contract:
    source: str
    system: str
    format: str
    files: str
    delivery: str
    key: tuple[str, ...]
    event_time: str
    silver: Silver
    fields: tuple[Field, ...] = field(default_factory=tuple)
    quirks: tuple[str, ...] = ()
    max_quarantine_share: float = 0.05
    # CSV sources whose files differ by sender: file-name prefix → {header column: contract field}.
    variants: dict[str, dict[str, str]] = field(default_factory=dict)
    variant_field: str | None = None

    @property
    def row_ddl(self) -> str:
        """One source row as a Spark struct type."""
        return "struct<" + ", ".join(f"`{f.name}`: {f.type}" for f in self.fields) + ">"

    @property
    def is_cdc(self) -> bool:
        return self.format == "jsonl_cdc"

    @property
    def envelope_ddl(self) -> str:
        """Schema of one delivered JSON line."""
        if self.is_cdc:
            return f"op string, ts_ms bigint, before {self.row_ddl}, after {self.row_ddl}"
        return ", ".join(f"`{f.name}` {f.type}" for f in self.fields)

    @property
    def pii_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.pii)

    @property
    def silver_table(self) -> str:
        return f"silver.{self.silver.table}"

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _check(contract: Contract) -> Contract:
    names = {f.name for f in contract.fields}
    problems = [f"format {contract.format!r} is not one of {FORMATS}"] if contract.format not in FORMATS else []
    problems += [f"key field {k!r} is not a field" for k in contract.key if k not in names]
    problems += [f"{f.name}: pii kind {f.pii!r} is not one of {PII_KINDS}"
                 for f in contract.fields if f.pii and f.pii not in PII_KINDS]
    problems += [f"{f.name}: identifier kind {f.identifier!r} is not one of {IDENTIFIER_KINDS}"
                 for f in contract.fields if f.identifier and f.identifier not in IDENTIFIER_KINDS]
    problems += [f"variant {v!r} maps to unknown field {n!r}"
                 for v, columns in contract.variants.items() for n in columns.values() if n not in names]
    if problems:
        raise ContractError(f"{contract.source}: " + "; ".join(problems))
    return contract


def _parse(raw: dict) -> Contract:
    fields = tuple(
        Field(**{**spec, "allowed": tuple(spec.get("allowed", ()))}) for spec in raw.pop("fields")
    )
    silver = raw.pop("silver")
    silver = Silver(**{**silver, "order_by": tuple(silver.get("order_by", ())),
                       "tracked": tuple(silver.get("tracked", ()))})
    return _check(Contract(**{**raw, "key": tuple(raw["key"]), "quirks": tuple(raw.get("quirks", ()))},
                           silver=silver, fields=fields))


@cache
def load_contract(source: str) -> Contract:
    path = CONTRACTS_DIR / f"{source}.yaml"
    if not path.is_file():
        raise KeyError(f"no contract for source {source!r} in {CONTRACTS_DIR}")
    return _parse(yaml.safe_load(path.read_text(encoding="utf-8")))


# The order a day's deliveries are run in: accounts and catalog before the facts that refer to them.
SOURCE_ORDER = ("users", "products", "inventory", "orders", "payments", "clickstream", "ad_spend", "coupons",
                "service", "logistics")


def all_sources() -> list[str]:
    return sorted(p.stem for p in CONTRACTS_DIR.glob("*.yaml"))


def erasable_sources() -> list[Contract]:
    """Sources whose rows can hold a person's identifiers (fields with ``identifier``): what erasure visits."""
    return [c for c in map(load_contract, all_sources()) if any(f.identifier for f in c.fields)]
