"""Which business rules each source and mart has: one explicit map, checked when it is imported.

Every source with a contract is registered with the module that holds its rules
(``expectations/<dataset>.py``) and the kinds of rule that module provides; every
mart with its suite. A source left out, a declared rule its module lacks, an
unknown rule kind, a public function no entry registers (a misspelt
``silver_rule``) or a rule module no source uses stops the import: a rule never
silently fails to run.
"""

from __future__ import annotations

import inspect
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType

import expectations
from ecomlake.contracts import all_sources
from expectations import (
    ad_spend,
    board,
    customers,
    identity,
    inventory,
    marketing,
    operations,
    orders,
    payments,
    service,
)

# bronze_rules() and silver_rules() return expectations added to the source's bronze and silver suites;
# cross_checks(spark, silver) returns (name, view, expectations) of rules that span tables, given the source's
# silver table as it will be published.
RULE_KINDS = ("bronze_rules", "silver_rules", "cross_checks")
# Modules of the package that hold no dataset's rules.
MACHINERY = frozenset({"contract_rules", "gate", "registry"})


class RegistryError(Exception):
    """The registry and the rule modules disagree: fix the registry, never skip the rule."""


@dataclass(frozen=True)
class Rules:
    """A source's business rules: the module that holds them and the kinds it provides (none: contract only)."""

    module: ModuleType | None = None
    kinds: tuple[str, ...] = ()

    def problems(self) -> list[str]:
        found = [f"{kind!r} is not a rule kind {RULE_KINDS}" for kind in self.kinds if kind not in RULE_KINDS]
        if self.module is None:
            return found + ([f"rules {self.kinds} declared without a module"] if self.kinds else [])
        return found + [f"{self.module.__name__} has no function {kind}()" for kind in self.kinds
                        if kind in RULE_KINDS and not inspect.isfunction(getattr(self.module, kind, None))]


DATASETS: dict[str, Rules] = {
    "ad_spend": Rules(ad_spend, ("silver_rules",)),
    "clickstream": Rules(),
    "coupons": Rules(),
    "inventory": Rules(inventory, ("silver_rules",)),
    "logistics": Rules(),
    "orders": Rules(orders, ("bronze_rules", "silver_rules")),
    "payments": Rules(payments, ("cross_checks",)),
    "products": Rules(),
    "service": Rules(service, ("silver_rules",)),
    "users": Rules(),
}

# Tables built from other tables (the marts, the identity graph), each with its suite.
MARTS: dict[str, Callable[[], list]] = {
    "marts.orders_daily": orders.orders_daily_suite,
    "silver.identity_map": identity.identity_map_suite,
    "marts.customers": customers.customers_suite,
    "marts.customer_identifiers": customers.customer_identifiers_suite,
    "marts.audiences": customers.audiences_suite,
    "marts.customer_attribute_coverage": customers.customer_attribute_coverage_suite,
    "marts.order_attribution": marketing.order_attribution_suite,
    "marts.attribution_by_campaign": marketing.attribution_by_campaign_suite,
    "marts.campaign_performance_daily": marketing.campaign_performance_daily_suite,
    "marts.gmv_tree_daily": marketing.gmv_tree_daily_suite,
    "marts.coupon_performance": marketing.coupon_performance_suite,
    "marts.customer_cohorts": marketing.customer_cohorts_suite,
    "marts.ltv_by_acquisition_channel": marketing.ltv_by_acquisition_channel_suite,
    "marts.deliveries": operations.deliveries_suite,
    "marts.fulfilment_daily": operations.fulfilment_daily_suite,
    "marts.service_daily": operations.service_daily_suite,
    "marts.board_user_behaviour_daily": board.board_user_behaviour_daily_suite,
    "marts.board_product_performance_daily": board.board_product_performance_daily_suite,
    "marts.board_marketing_effect_daily": board.board_marketing_effect_daily_suite,
    "marts.service_nps_by_segment": operations.service_nps_by_segment_suite,
    "marts.product_groups_daily": operations.product_groups_daily_suite,
    "marts.inventory_daily": operations.inventory_daily_suite,
    "marts.suspicious_orders": operations.suspicious_orders_suite,
    "marts.price_discrimination_findings": operations.price_discrimination_findings_suite,
    "marts.price_discrimination_evidence": operations.price_discrimination_evidence_suite,
    "marts.inventory_turnover_daily": operations.inventory_turnover_daily_suite,
    "marts.product_performance_daily": operations.product_performance_daily_suite,
}


def _public_functions(module: ModuleType) -> dict[str, Callable]:
    return {name: fn for name, fn in inspect.getmembers(module, inspect.isfunction)
            if not name.startswith("_") and fn.__module__ == module.__name__}


def rule_modules() -> set[str]:
    """Names of the package's modules that hold rules (everything but its machinery)."""
    return {m.name for m in pkgutil.iter_modules(expectations.__path__)} - MACHINERY


def validate(datasets: Mapping[str, Rules], marts: Mapping[str, Callable[[], list]], sources: Iterable[str],
             modules: Iterable[str]) -> None:
    """Raise :class:`RegistryError` listing every way ``datasets`` and ``marts`` miss a source or a rule."""
    sources = set(sources)
    problems = [f"source {s!r} has a contract but no registry entry" for s in sorted(sources - datasets.keys())]
    problems += [f"{s!r} is registered but has no contract" for s in sorted(datasets.keys() - sources)]
    problems += [f"{source}: {p}" for source, rules in datasets.items() for p in rules.problems()]
    suites = set(marts.values())
    declared: dict[ModuleType, set[str]] = {}
    for rules in datasets.values():
        if rules.module is not None:
            declared.setdefault(rules.module, set()).update(rules.kinds)
    problems += [f"{module.__name__}.{name}() is neither a registered rule kind nor a mart suite"
                 for module, kinds in declared.items() for name, fn in _public_functions(module).items()
                 if name not in kinds and fn not in suites]
    used = {module.__name__.rsplit(".", 1)[-1] for module in declared} | {fn.__module__.rsplit(".", 1)[-1]
                                                                           for fn in suites}
    problems += [f"expectations.{name} is registered for no source" for name in sorted(set(modules) - used)]
    if problems:
        raise RegistryError("expectations registry: " + "; ".join(problems))


validate(DATASETS, MARTS, all_sources(), rule_modules())


def rules(source: str, kind: str, *args) -> list:
    """The business rules of ``kind`` for ``source`` (none when its module provides none of that kind)."""
    if kind not in RULE_KINDS:
        raise RegistryError(f"{kind!r} is not a rule kind {RULE_KINDS}")
    if source not in DATASETS:
        raise RegistryError(f"no rules registered for source {source!r}")
    entry = DATASETS[source]
    return list(getattr(entry.module, kind)(*args)) if kind in entry.kinds else []


def mart_suite(table: str) -> list:
    """The expectations of a mart; a mart without a registered suite is an error, not an ungated mart."""
    if table not in MARTS:
        raise RegistryError(f"no expectation suite registered for mart {table!r} (known: {', '.join(sorted(MARTS))})")
    return MARTS[table]()
