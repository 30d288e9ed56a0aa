"""The paths the contracts promise, scored in silver: SCD2 price versions, order deletes, closures that hold.

Expectations come from the generator's truth manifests and from the landing files parsed
here in Python (good lines only: the truth lists the deliberately bad ones), never from silver.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from ecomgen import record_hash

DAY0, DAY1 = date(2026, 8, 1), date(2026, 8, 2)  # the session lake's two delivery days (conftest.py)
STAGING_ORDERS = Path(__file__).parents[2] / "dbt_project/models/staging/orders/stg_orders__orders.sql"


def manifest(cfg, source: str, day: date) -> dict:
    return json.loads((Path(cfg.truth_root) / source / day.isoformat() / "manifest.json").read_text("utf-8"))


def landed_lines(cfg, source: str, day: date) -> list[str]:
    """The good lines of a day's delivery, in delivery order (files by name, lines as written)."""
    bad = {b["record_hash"] for b in manifest(cfg, source, day)["bad_records"]}
    folder = Path(cfg.landing_root) / source / day.isoformat()
    return [line for file in sorted(folder.glob("*.*sv")) + sorted(folder.glob("*.jsonl"))
            for line in file.read_text("utf-8").splitlines() if record_hash(line) not in bad]


def landed_events(cfg, source: str, day: date) -> list[dict]:
    return [json.loads(line) for line in landed_lines(cfg, source, day)]


def snapshot(cfg, day: date) -> dict[str, dict]:
    """The products snapshot delivered on ``day``, by SKU."""
    header, *lines = landed_lines(cfg, "products", day)
    return {row["sku_id"]: row for row in csv.DictReader([header, *lines])}


def test_products_open_a_second_version_exactly_for_the_skus_that_changed(ten_source_lake, spark, cfg):
    before, after = snapshot(cfg, DAY0), snapshot(cfg, DAY1)
    assert before.keys() == after.keys()
    tracked = ("price_yuan", "status", "role")
    changed = {sku for sku in after if any(before[sku][c] != after[sku][c] for c in tracked)}
    truth = manifest(cfg, "products", DAY1)
    assert changed == {c["sku_id"] for c in truth["price_changes"]} | set(truth["newly_discontinued"])
    assert len(truth["price_changes"]) >= 2 and truth["newly_discontinued"], "the lake lacks a path"

    versions: dict[str, list] = {}
    for row in spark.table("silver.products").orderBy("sku_id", "valid_from").collect():
        versions.setdefault(row.sku_id, []).append(row)
    assert {sku for sku, rows in versions.items() if len(rows) > 1} == changed
    assert versions.keys() == after.keys()

    def fen(yuan: str) -> int:
        return int(Decimal(yuan) * 100)

    for sku, rows in versions.items():
        if sku in changed:
            old, new = rows
            assert (old.valid_from, old.valid_to, old.is_current) == (DAY0, DAY1, False)
            assert (old.price_fen, old.status) == (fen(before[sku]["price_yuan"]), before[sku]["status"])
        else:
            (new,) = rows
        assert (new.valid_from, new.valid_to, new.is_current) == (DAY1 if sku in changed else DAY0, None, True)
        assert (new.price_fen, new.status) == (fen(after[sku]["price_yuan"]), after[sku]["status"])
    retired = truth["newly_discontinued"]
    assert all([v.status for v in versions[sku]] == ["on_sale", "discontinued"] for sku in retired)


def test_orders_the_oms_deleted_are_tombstones_and_out_of_the_staging_model(ten_source_lake, spark, cfg):
    deletes = {e["before"]["order_id"]: e["ts_ms"] for day in (DAY0, DAY1)
               for e in landed_events(cfg, "orders", day) if e["op"] == "d"}
    truth = {o for day in (DAY0, DAY1) for o in manifest(cfg, "orders", day)["deleted_orders"]}
    assert deletes and deletes.keys() == truth

    orders = spark.table("silver.orders")
    # Other modules of the session deliver orders on other days: the lake's tombstones are those of its days.
    tombstones = {r.order_id: r for r in orders.where("_is_deleted").collect() if r._delivered_on in (DAY0, DAY1)}
    assert tombstones.keys() == truth
    payload = [c for c in orders.columns if not c.startswith("_") and c not in ("order_id", "status")]
    for order_id, row in tombstones.items():
        assert row._changed_at_ms == deletes[order_id]
        assert all(row[c] is None for c in payload), (order_id, {c: row[c] for c in payload if row[c] is not None})

    model = STAGING_ORDERS.read_text("utf-8")
    staged = spark.sql(re.sub(r"\{\{\s*source\('silver',\s*'orders'\)\s*\}\}", "silver.orders", model))
    staged_ids = {r.order_id for r in staged.select("order_id").collect()}
    landed = {(e["after"] or e["before"])["order_id"]
              for day in (DAY0, DAY1) for e in landed_events(cfg, "orders", day)}
    assert truth <= landed and staged_ids & landed == landed - truth  # other modules may add later days


def test_an_account_updated_late_after_its_closure_stays_a_tombstone(ten_source_lake, spark, cfg):
    late = manifest(cfg, "users", DAY1)["late_updates_after_closure"]
    assert late, "no late update after a closure in the lake"
    events = landed_events(cfg, "users", DAY1)
    for uid in late:  # the path really is in landing: the update is older than the delete but comes after it
        (close_at,) = [n for n, e in enumerate(events) if e["op"] == "d" and e["before"]["user_id"] == uid]
        updates = [n for n, e in enumerate(events) if e["op"] == "u" and e["after"]["user_id"] == uid
                   and e["ts_ms"] < events[close_at]["ts_ms"]]
        assert updates and max(updates) > close_at, uid

    closed = {uid for day in (DAY0, DAY1) for uid in manifest(cfg, "users", day)["closed_accounts"]}
    assert set(late) <= closed
    users = spark.table("silver.users")
    rows = {r.user_id: r for r in users.where(users.user_id.isin(sorted(closed))).collect()}
    payload = [c for c in users.columns if not c.startswith("_") and c != "user_id"]
    close_ts = {e["before"]["user_id"]: e["ts_ms"] for day in (DAY0, DAY1) for e in landed_events(cfg, "users", day)
                if e["op"] == "d"}
    for uid in closed:
        row = rows[uid]
        assert row._is_deleted and row._changed_at_ms == close_ts[uid], uid
        assert all(row[c] is None for c in payload), (uid, {c: row[c] for c in payload if row[c] is not None})
    assert spark.table("silver.users").where("not _is_deleted").count() > 0

