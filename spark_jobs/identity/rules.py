"""The identity rules (``rules.yaml``) as typed objects: the one place the resolution's evidence is defined."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

RULES_FILE = Path(__file__).with_name("rules.yaml")
COMPOSITE_SEPARATOR = "|"
"""A composite identifier is ``<its base identifier>|<digest of what it adds>`` (see ``base`` in the rules)."""


@dataclass(frozen=True)
class Link:
    """One kind of evidence: in ``source``, ``from_column`` (a ``from`` identifier) was seen with ``to_column`` (a
    column, or for a composite identifier the SQL that joins its base's column and what the type adds)."""

    name: str
    source: str
    from_type: str
    from_column: str
    to_type: str
    to_column: str
    at: str
    weight: float
    where: str | None = None
    join_orders: bool = False
    join_users: bool = False  # the source knows the account; its registration adds the real name (`name_token`)
    attaches: bool = True  # may make the `to` identifier part of the `from` account's customer
    recycled_after_days: int | None = None  # the `to` identifier is reissued to others (a phone number)
    why: str | None = None


@dataclass(frozen=True)
class Rules:
    merge_threshold: float
    min_accounts_per_person: int
    hub_quantile: float
    groups: dict[str, str]  # identifier type → evidence group
    descriptions: dict[str, str]
    evidence_only: frozenset[str]  # identifier types that link accounts but are nobody's identifier
    composite_bases: dict[str, str]  # composite identifier type → the type of the identifier it is built on
    links: tuple[Link, ...]


def _composed(column: str, to_type: dict) -> str:
    """A link's ``to`` identifier as SQL: the column itself, or for a composite type ``<column>|<what it adds>``."""
    if "adds" not in to_type:
        return column
    return f"concat({column}, '{COMPOSITE_SEPARATOR}', {to_type['adds']})"


@cache
def load_rules(path: Path = RULES_FILE) -> Rules:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    types = raw["identifier_types"]
    links = tuple(Link(name=link["name"], source=link["source"], from_type=link["from"],
                       from_column=link["from_column"], to_type=link["to"],
                       to_column=_composed(link["to_column"], types.get(link["to"], {})),
                       at=link["at"], weight=float(link["weight"]), where=link.get("where"),
                       join_orders=bool(link.get("join_orders")), join_users=bool(link.get("join_users")),
                       attaches=link.get("attaches", True),
                       recycled_after_days=link.get("recycled_after_days"), why=link.get("why"))
                  for link in raw["links"])
    unknown = {t for link in links for t in (link.from_type, link.to_type)} - set(types)
    if unknown:
        raise ValueError(f"{path}: links name identifier types not declared: {sorted(unknown)}")
    if partial := sorted(t for t, spec in types.items() if ("base" in spec) != ("adds" in spec)):
        raise ValueError(f"{path}: a composite identifier type needs both its base and what it adds: {partial}")
    return Rules(merge_threshold=float(raw["merge_threshold"]),
                 min_accounts_per_person=int(raw["hubs"]["min_accounts_per_person"]),
                 hub_quantile=float(raw["hubs"]["quantile"]),
                 groups={t: spec["group"] for t, spec in types.items()},
                 descriptions={t: spec["description"] for t, spec in types.items()},
                 evidence_only=frozenset(t for t, spec in types.items() if spec.get("evidence_only")),
                 composite_bases={t: spec["base"] for t, spec in types.items() if spec.get("base")},
                 links=links)
