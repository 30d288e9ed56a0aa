"""Customer profiles (marts.customers and its siblings) on the test lake, checked by a second engine.

DuckDB re-derives what each profile must say from the silver tables and the identity map (read with
delta-rs, not Spark); the coverage table is recomputed from the mart and the model's YAML; consent is
checked against the CRM's own change events, including a withdrawal delivered by hand.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from deltalake import DeltaTable

from ecomgen import bad_records, record_hash
from ecomlake.landing import READY_MARKER
from orchestration import identity, marts, pipeline
from orchestration.dbt import mart_models

MARTS = mart_models("customers")
CUSTOMERS_YAML = Path(__file__).parents[2] / "dbt_project/models/marts/customers/_customers__models.yml"
PAID = "('paid', 'shipped', 'delivered')"


@pytest.fixture(scope="module")
def customer_marts(identity_lake, spark) -> dict:
    return marts.refresh_marts(MARTS)


def test_every_customer_has_the_orders_and_gmv_a_second_engine_finds(customer_marts, cfg, duck):
    con = duck("silver.orders", "silver.users", "silver.identity_map", "marts.customers")
    expected = con.sql(f"""
        with ids as (select * from silver_identity_map where customer_key is not null),
        open_orders as (select * from silver_orders where not _is_deleted),
        as_of as (select max(order_date) as day from open_orders),
        owned as (
            select coalesce(account.customer_key, guest.customer_key) as customer_key, o.*
            from open_orders o
            left join ids account on account.identifier_type = 'user_id' and account.identifier = o.user_id
            left join ids guest on o.user_id is null and guest.identifier_type = 'phone'
                and guest.identifier = o.shipping_phone_token
            where o.order_date <= (select day from as_of)),
        buyers as (
            select customer_key, count(*) filter (where status in {PAID}) as paid,
                   coalesce(sum(total_fen) filter (where status in {PAID}), 0) as gmv
            from owned where customer_key is not null group by customer_key),
        account_holders as (
            select distinct ids.customer_key from ids join silver_users u on ids.identifier_type = 'user_id'
                and ids.identifier = u.user_id
            where not u._is_deleted and cast(u.registered_at as date) <= (select day from as_of))
        select coalesce(b.customer_key, a.customer_key) as customer_key, coalesce(b.paid, 0), coalesce(b.gmv, 0)
        from buyers b full join account_holders a on a.customer_key = b.customer_key
    """).fetchall()
    found = con.sql("select customer_key, paid_orders, gmv_fen from marts_customers").fetchall()
    assert len(expected) > 500
    assert sorted(found) == sorted(expected)


def test_every_documented_attribute_is_measured_for_coverage(customer_marts, cfg):
    documented = {c["name"]: c for m in yaml.safe_load(CUSTOMERS_YAML.read_text())["models"]
                  if m["name"] == "customers" for c in m["columns"]}
    assert len(documented) >= 30
    assert all(c["description"] and c["config"]["meta"]["owner"] for c in documented.values())
    profiles = DeltaTable(cfg.table_location("marts", "customers")).to_pandas()
    assert set(profiles.columns) == documented.keys()
    measured = DeltaTable(cfg.table_location("marts", "customer_attribute_coverage")).to_pandas()
    coverage = dict(zip(measured.attribute, measured.coverage, strict=True))
    assert coverage == pytest.approx({name: profiles[name].notna().mean() for name in documented})
    assert coverage["customer_key"] == 1.0 and 0 < coverage["preferred_category"] < 1


def test_dbt_docs_show_every_attribute_with_its_definition_owner_and_coverage(customer_marts, cfg):
    documented = {c["name"]: c for m in yaml.safe_load(CUSTOMERS_YAML.read_text())["models"]
                  if m["name"] == "customers" for c in m["columns"]}
    profiles = DeltaTable(cfg.table_location("marts", "customers")).to_pandas()
    site = Path(marts.generate_docs()["site"])
    page = json.loads((site / "manifest.json").read_text())["nodes"]["model.ecomlake.customers"]["description"]
    shown = {}
    for line in page.splitlines():
        if line.startswith("| `"):
            attribute, definition, owner, _unit, coverage = (c.strip().replace("\\|", "|")
                                                             for c in re.split(r"(?<!\\)\|", line)[1:-1])
            shown[attribute.strip("`")] = (definition, owner, float(coverage.rstrip(" %")) / 100)
    assert shown.keys() == documented.keys()
    for name, (definition, owner, coverage) in shown.items():
        assert definition == " ".join(documented[name]["description"].split())
        assert owner == documented[name]["config"]["meta"]["owner"]
        assert coverage == pytest.approx(profiles[name].notna().mean(), abs=5e-5)
    assert "model.ecomlake.customers" in json.loads((site / "catalog.json").read_text())["nodes"]
    assert (site / "index.html").is_file()


def latest_account_events(cfg) -> dict[str, dict]:
    """The CRM's latest good change event per account, read straight from the landed files."""
    bad = {b["record_hash"] for b in bad_records(cfg, "users")}
    latest: dict[str, dict] = {}
    for path in sorted(Path(cfg.landing_root, "users").glob("*/*.jsonl")):
        for line in path.read_text().splitlines():
            if record_hash(line) in bad:
                continue  # quarantined, never applied
            event = json.loads(line)
            user = (event["after"] or event["before"])["user_id"]
            if event["ts_ms"] >= latest.get(user, {"ts_ms": -1})["ts_ms"]:
                latest[user] = event
    return latest


def consenting_customers(cfg, duck) -> set[str]:
    """Customers all of whose accounts consent, by each account's latest change event."""
    consent = {user: bool(e["after"] and e["after"]["marketing_consent"])
               for user, e in latest_account_events(cfg).items()}
    accounts = duck("silver.identity_map").sql(
        "select identifier, customer_key from silver_identity_map "
        "where identifier_type = 'user_id' and customer_key is not null").fetchall()
    return {key for _, key in accounts} - {key for user, key in accounts if not consent.get(user, False)}


def members(duck) -> dict[str, set[str]]:
    rows = duck("marts.audiences").sql("select audience, customer_key from marts_audiences").fetchall()
    found: dict[str, set[str]] = {}
    for audience, key in rows:
        found.setdefault(audience, set()).add(key)
    return found


def withdraw_consent(cfg, user_ids: set[str], day: str) -> None:
    """Deliver the CRM's change events that withdraw the consent of ``user_ids`` (a new delivery day)."""
    latest = {user: event for user, event in latest_account_events(cfg).items() if user in user_ids}
    assert latest.keys() == user_ids
    at = datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(hours=9)
    lines = [json.dumps({"op": "u", "ts_ms": int(at.timestamp() * 1000), "before": event["after"],
                         "after": {**event["after"], "marketing_consent": False,
                                   "updated_at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z")}})
             for event in latest.values()]
    delivery = Path(cfg.landing_root, "users", day)
    delivery.mkdir(parents=True)
    (delivery / f"users-{day}-part-0001.jsonl").write_text("\n".join(lines) + "\n")
    (delivery / READY_MARKER).write_text("{}")


def keys(duck) -> dict[tuple[str, str], str | None]:
    rows = duck("silver.identity_map").sql(
        "select identifier_type, identifier, customer_key from silver_identity_map").fetchall()
    return {(kind, value): key for kind, value, key in rows}


def test_audiences_hold_only_consenting_customers_and_a_withdrawal_leaves_on_the_next_run(customer_marts, cfg,
                                                                                         lake_days, duck):
    """Also: the identity graph rebuilt after a change that adds no evidence gives everyone the same key."""
    consenting, audiences = consenting_customers(cfg, duck), members(duck)
    everyone = set().union(*audiences.values())
    assert everyone and everyone <= consenting
    assert "new_buyers" in audiences  # two days of data: every buyer is new

    leaver = sorted(audiences["new_buyers"])[0]
    accounts = {r[0] for r in duck("silver.identity_map").sql(
        f"select identifier from silver_identity_map where identifier_type = 'user_id' and customer_key = '{leaver}'"
    ).fetchall()}
    keys_before = keys(duck)
    withdraw_consent(cfg, accounts, (lake_days[-1] + timedelta(days=1)).isoformat())
    pipeline.ingest_and_build("users")
    identity.refresh_identity()
    marts.refresh_marts(MARTS)
    assert keys(duck) == keys_before

    after = members(duck)
    assert all(leaver not in keys for keys in after.values())
    assert after["new_buyers"] == audiences["new_buyers"] - {leaver}
    profile = duck("marts.customers").sql(
        f"select marketing_consent from marts_customers where customer_key = '{leaver}'").fetchall()
    assert profile == [(False,)]


def test_a_run_with_nothing_new_skips_its_builds_and_a_new_input_version_does_not(customer_marts, spark):
    """What the DAGs do on a rerun: both builds stop before any work when their last publish was built from
    the input versions and code they would read now; one new version of one input is reason to rebuild."""
    with pytest.raises(marts.NothingNew):
        identity.build_candidate(only_if_changed=True)
    with pytest.raises(marts.NothingNew):
        marts.build_candidates(MARTS, only_if_changed=True)
    spark.sql("ALTER TABLE silver.coupon_events SET TBLPROPERTIES ('ecomlake.test' = 'one more version')")
    marts.raise_if_built_from(MARTS, marts.lineage(marts.dbt_sources(), marts.DBT_CODE))  # does not raise
