"""The headline figures as Spark wrote them: silver, quarantine, the file ledger and the marts, read with
delta-rs (:mod:`ecomgen.lake`), in the shapes :mod:`ecomgen.bench.duck` computes them."""

from __future__ import annotations

from datetime import date

from ecomgen.bench.duck import CustomerMap, Figures, key_digest
from ecomgen.identity_scores import tokeniser
from ecomgen.lake import query
from ecomlake.config import Settings
from ecomlake.contracts import Contract


def source_figures(cfg: Settings, contract: Contract) -> Figures:
    """Records the ledger counted, quarantined per reason, live rows of silver (how many, and which keys)."""
    source = contract.source
    records = query(cfg, f"select sum(lines) from f where source = '{source}'", {"f": "ops.ingested_files"})
    figures: Figures = {("records",): (records[0][0] or 0,)}
    for reason, n in query(cfg, "select reason, count(*) from q group by reason", {"q": f"quarantine.{source}"}):
        figures[("quarantined", reason)] = (n,)
    live = ("where not _is_deleted" if contract.is_cdc else "where is_current" if contract.silver.history else "")
    keys = query(cfg, f"select {', '.join(contract.key)} from s {live}", {"s": contract.silver_table})
    figures[("live",)] = (len(keys),)
    figures[("live keys",)] = (key_digest(keys),)
    return figures


def _keyed(cfg: Settings, mart: str, key: list[str], values: list[str], where: str = "true") -> Figures:
    """``key`` → ``values`` of each row of ``marts.<mart>`` that meets ``where``."""
    rows = query(cfg, f"select {', '.join(key + values)} from m where {where}", {"m": f"marts.{mart}"})
    return {tuple(row[:len(key)]): tuple(row[len(key):]) for row in rows}


def orders_daily(cfg: Settings) -> Figures:
    return _keyed(cfg, "orders_daily", ["order_date", "channel"],
                  ["orders", "paid_orders", "buyers", "gmv_fen", "units_sold", "aov_fen"])


def campaign_spend(cfg: Settings) -> Figures:
    return _keyed(cfg, "campaign_performance_daily", ["activity_date", "platform", "campaign_id"], ["spend_fen"],
                  "spend_fen is not null")


def gmv_tree(cfg: Settings) -> Figures:
    return _keyed(cfg, "gmv_tree_daily", ["activity_date", "channel"], ["visitors", "paid_orders", "gmv_fen"])


def customer_value(cfg: Settings) -> Figures:
    return _keyed(cfg, "customers", ["customer_key"], ["paid_orders", "gmv_fen"], "paid_orders > 0")


def as_of(cfg: Settings) -> date:
    """The data date the profiles were computed as of."""
    return query(cfg, "select max(as_of_date) from m", {"m": "marts.customers"})[0][0]


def customer_map(cfg: Settings) -> CustomerMap:
    """The published identifier → customer map, accounts and phones, with the lake's phone tokeniser."""
    rows = query(cfg, "select identifier_type, identifier, customer_key from m where customer_key is not null "
                      "and identifier_type in ('user_id', 'phone')", {"m": "marts.customer_identifiers"})
    by_type: dict[str, dict[str, str]] = {"user_id": {}, "phone": {}}
    for kind, identifier, key in rows:
        by_type[kind][identifier] = key
    return CustomerMap(by_type["user_id"], by_type["phone"], tokeniser(cfg)["phone"])
