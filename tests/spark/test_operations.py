"""Operations marts on the test lake, reconciled with silver by a second engine (DuckDB over delta-rs): the
shipments, deliveries and returns the carriers reported, the on-time and 48-hour decisions, the service
desk's response times and NPS, product GMV and its groups, stock and turnover, the price audit's reference
prices; and the two risk detectors scored against the generator's truth."""

from __future__ import annotations

import contextlib
import json
import math
import re
from datetime import date
from pathlib import Path

import ecomgen
from ecomgen.brushing_scores import brushing_scores
from ecomgen.price_audit_scores import price_audit_scores
from ecomlake import storage
from orchestration import marts
from orchestration.dbt import mart_models

CITY_TIERS = Path(__file__).parents[2] / "dbt_project" / "seeds" / "city_tiers.csv"


def rows(con, sql: str, key: int = 2) -> dict[tuple, tuple]:
    """{key columns: figures} of a query whose first ``key`` columns are the key."""
    return {tuple(r[:key]): tuple(r[key:]) for r in con.sql(sql).fetchall()}


def with_tiers(con):
    """The connection with the city list the marts use (dbt's seed), read by DuckDB from its CSV."""
    con.sql(f"create table city_tiers as select * from read_csv('{CITY_TIERS}', header = true)")
    return con


def same(found: tuple, expected: tuple) -> bool:
    """Equal figure by figure: numbers to 1e-9, nulls (nothing to measure) as nulls."""
    return len(found) == len(expected) and all(
        (f is None) == (e is None) and (f is None or math.isclose(f, e, rel_tol=1e-9, abs_tol=1e-9))
        for f, e in zip(found, expected, strict=True))


def test_silver_keeps_the_city_of_each_shipping_address_as_landing_wrote_it(operations_marts, duck, cfg):
    """The address is a token in silver; its city (the text before 市) is kept, per order as the OMS sent it."""
    landing, cities = storage.at(cfg.landing_root), {}
    for path in landing.glob("orders/*/*.jsonl"):
        for line in landing.read_text(path).splitlines():
            with contextlib.suppress(ValueError, AttributeError, TypeError):  # malformed lines are quarantined
                after = json.loads(line)["after"]
                cities[after["order_id"]] = re.match(r"(.+?)市", after["shipping_address"]).group(1)
    silver = dict(duck("silver.orders").sql("select order_id, shipping_city from silver_orders "
                                            "where not _is_deleted").fetchall())
    common = silver.keys() & cities.keys()
    assert len(common) > 0.9 * len(silver) > 90 and len(set(silver.values())) > 5
    assert [o for o in common if silver[o] != cities[o]] == []


def test_shipments_deliveries_and_returns_per_day_carrier_and_city_tier_are_the_carriers_events(operations_marts,
                                                                                               duck):
    con = with_tiers(duck("silver.logistics_events", "silver.orders", "marts.fulfilment_daily"))
    expected = rows(con, """
        with shipments as (
            select shipment_id, any_value(order_id) as order_id, any_value(carrier) as carrier,
                   bool_or(event_type = 'delivered') as delivered, bool_or(event_type = 'return_requested') as returned
            from silver_logistics_events group by shipment_id)
        select o.order_date, s.carrier, t.city_tier, count(*), count(*) filter (where delivered),
               count(*) filter (where returned)
        from shipments s join silver_orders o using (order_id) left join city_tiers t on t.city = o.shipping_city
        where not o._is_deleted
        group by all""", key=3)
    found = rows(con, "select order_date, carrier, city_tier, shipments, delivered, returns "
                      "from marts_fulfilment_daily", key=3)
    assert found == expected and len({k[2] for k in found}) >= 3
    assert sum(v[0] for v in found.values()) > 50 and sum(v[2] for v in found.values()) > 0


def test_on_time_and_48_hour_shares_match_the_event_times(operations_marts, duck):
    """Decided: delivered (by the deadline or not), or not delivered with the latest carrier event past it."""
    con = with_tiers(duck("silver.logistics_events", "silver.orders", "marts.fulfilment_daily"))
    expected = rows(con, """
        with observed as (select max(event_time) as until from silver_logistics_events),
        shipments as (
            select any_value(order_id) as order_id, any_value(carrier) as carrier, any_value(promised_at) as promised,
                   min(event_time) filter (where event_type = 'delivered') as delivered
            from silver_logistics_events group by shipment_id),
        decided as (
            select o.order_date, s.carrier, t.city_tier,
                   case when delivered is not null then delivered <= promised
                        when until > promised then false end as on_time,
                   case when delivered is not null then delivered <= o.created_at + interval 48 hours
                        when until > o.created_at + interval 48 hours then false end as within_48h
            from shipments s join silver_orders o using (order_id)
            left join city_tiers t on t.city = o.shipping_city, observed
            where not o._is_deleted)
        select order_date, carrier, city_tier, avg(on_time::int), avg(within_48h::int) from decided group by all""",
        key=3)
    found = rows(con, "select order_date, carrier, city_tier, on_time_share, within_48h_share "
                      "from marts_fulfilment_daily", key=3)
    assert found.keys() == expected.keys()
    assert [k for k in expected if not same(found[k], expected[k])] == []
    assert any(v[1] is not None and v[1] < 1 for v in found.values())  # some parcels take longer than 48 h


def test_service_response_times_and_nps_match_the_tickets(operations_marts, duck):
    con = duck("silver.service_tickets", "marts.service_daily")
    key = "cast(opened_at as date), channel || '/' || category"
    expected = rows(con, f"""
        select {key}, count(*), count(first_response_at),
               count(*) filter (where epoch(first_response_at) - epoch(opened_at) <= 120) / count(*),
               100.0 * (count(*) filter (where nps_score >= 9) - count(*) filter (where nps_score <= 6))
                   / nullif(count(nps_score), 0),
               quantile_cont((epoch(first_response_at) - epoch(opened_at)) / 60, 0.9)
        from silver_service_tickets group by all""")
    found = rows(con, """
        select opened_date, ticket_channel || '/' || ticket_category, tickets, responded,
               answered_within_2_minutes_share, nps, p90_first_response_minutes
        from marts_service_daily""")
    assert found.keys() == expected.keys() and len(found) > 5
    assert [k for k in expected if not same(found[k], expected[k])] == []


def test_product_gmv_adds_up_to_orders_daily_and_the_paid_orders_of_each_day_and_units_to_their_lines(
        operations_marts, duck):
    """The SKUs' GMV of a day is orders_daily's GMV and the paid orders' totals (discounts spread over the lines
    lose nothing), and each SKU's units are the quantities on its paid order lines, exploded here from silver."""
    marts.refresh_marts(mart_models("sales"))
    con = duck("silver.orders", "marts.product_performance_daily", "marts.orders_daily")
    paid = "from silver_orders where is_paid and not _is_deleted"
    totals = dict(con.sql(f"select order_date, sum(total_fen) {paid} group by all").fetchall())
    daily = dict(con.sql("select order_date, sum(gmv_fen) from marts_orders_daily group by all "
                         "having sum(gmv_fen) > 0").fetchall())
    gmv = dict(con.sql("select activity_date, sum(gmv_fen) from marts_product_performance_daily "
                       "group by all having sum(units) > 0").fetchall())
    assert gmv.keys() == totals.keys() == daily.keys() and len(totals) >= 2
    assert all(math.isclose(gmv[day], totals[day], rel_tol=1e-12) and daily[day] == totals[day] for day in totals)
    units = rows(con, f"""
        with lines as (select order_date, unnest(items) as line {paid})
        select order_date, line.sku_id, sum(line.quantity) from lines group by all""")
    found = rows(con, "select activity_date, sku_id, units from marts_product_performance_daily where units > 0")
    assert found == units


def test_each_segment_kind_adds_up_to_the_days_tickets_and_the_unresolved_are_the_tickets_of_nobody(
        operations_marts, duck):
    """Resolved here from silver's identity map: a ticket's customer is its order's (the account's, or a
    guest's shipping phone), else its contact phone's, else its email's; the hotline (a hub) is nobody's."""
    con = duck("silver.service_tickets", "silver.orders", "silver.identity_map", "marts.service_nps_by_segment")
    nps = "100.0 * (count(*) filter (where nps_score >= 9) - count(*) filter (where nps_score <= 6)) " \
          "/ nullif(count(nps_score), 0)"
    unresolved = rows(con, f"""
        with ids as (select * from silver_identity_map where customer_key is not null),
        orders as (select o.order_id, coalesce(a.customer_key, g.customer_key) as customer_key
                   from silver_orders o
                   left join ids a on a.identifier_type = 'user_id' and a.identifier = o.user_id
                   left join ids g on o.user_id is null and g.identifier_type = 'phone'
                                      and g.identifier = o.shipping_phone_token
                   where not o._is_deleted),
        tickets as (select t.*, coalesce(o.customer_key, p.customer_key, e.customer_key) as customer_key
                    from silver_service_tickets t
                    left join orders o using (order_id)
                    left join ids p on p.identifier_type = 'phone' and p.identifier = t.contact_phone_token
                    left join ids e on e.identifier_type = 'email' and e.identifier = t.contact_email_token)
        select cast(opened_at as date), kind, count(*), count(nps_score), {nps}
        from tickets, (values ('rfm'), ('lifecycle')) kinds(kind)
        where customer_key is null group by all""")
    found = rows(con, "select opened_date, segment_kind, tickets, answers, nps from marts_service_nps_by_segment "
                      "where segment = 'unresolved'")
    assert found.keys() == unresolved.keys()  # the test lake's few tickets may all resolve; the demo's do not
    assert [k for k in unresolved if not same(found[k], unresolved[k])] == []
    days = rows(con, f"select cast(opened_at as date), kind, count(*), count(nps_score), {nps} "
                     "from silver_service_tickets, (values ('rfm'), ('lifecycle')) kinds(kind) group by all")
    summed = rows(con, """select opened_date, segment_kind, sum(tickets), sum(answers),
                                 sum(nps * answers) / nullif(sum(answers), 0)
                          from marts_service_nps_by_segment group by all""")
    assert summed.keys() == days.keys()
    assert [k for k in days if not same(summed[k], days[k])] == []
    assert con.sql("select count(distinct segment) from marts_service_nps_by_segment "
                   "where segment_kind = 'lifecycle'").fetchall()[0][0] >= 2


def test_each_kind_of_product_group_splits_the_days_gmv_and_the_hot_items_are_the_top_tenth_of_skus_sold(
        operations_marts, duck):
    """Per day and category, brand or role (the SKU's current catalog version): GMV of the paid order lines
    with each order's discount spread by line value, and the share of it from the day's top 10 % of sold SKUs
    by GMV, all from silver's orders and catalog."""
    con = duck("silver.orders", "silver.products", "marts.product_groups_daily")
    found = {r[:3]: r[3:] for r in con.sql("select activity_date, group_kind, group_name, gmv_fen, gmv_share, "
                                            "hot_item_gmv_share from marts_product_groups_daily").fetchall()}
    expected = {}
    for kind, column in (("category", "category_l1"), ("brand", "brand"), ("role", "role")):
        expected |= {r[:3]: r[3:] for r in con.sql(f"""
            with lines as (select order_id, order_date, total_fen, unnest(items) as line
                           from silver_orders where is_paid and not _is_deleted),
            gmv as (select order_date, line.sku_id as sku_id,
                           line.quantity * line.unit_price_fen * total_fen
                               / sum(line.quantity * line.unit_price_fen) over (partition by order_id) as fen
                    from lines),
            skus as (select order_date, sku_id, sum(fen) as fen from gmv group by all having sum(fen) > 0),
            ranked as (select *, row_number() over (partition by order_date order by fen desc, sku_id)
                                 <= ceil(0.1 * count(*) over (partition by order_date)) as hot from skus),
            groups as (select order_date, coalesce(p.{column}, 'unknown') as name, sum(fen) as fen,
                              sum(fen) filter (where hot) as hot_fen
                       from ranked left join silver_products p on p.sku_id = ranked.sku_id and p.is_current
                       group by all)
            select order_date, '{kind}', name, fen, fen / sum(fen) over (partition by order_date),
                   coalesce(hot_fen, 0) / fen
            from groups""").fetchall()}
    sold = {k: v for k, v in found.items() if v[0] > 0}
    assert sold.keys() == expected.keys() and {k[1] for k in sold} == {"category", "brand", "role"}
    assert [k for k in expected if not same(sold[k], expected[k])] == []
    assert any(0 < v[2] < 1 for v in sold.values())  # hot items are not one group's monopoly


def test_inventory_rows_are_silvers_counts_plus_every_day_without_one_marked_as_the_warehouses_sent_them(
        operations_marts, duck, cfg):
    """Counted rows are silver's rows; every other day of a stocked SKU, from its first count to the last
    snapshot day, is a marked row: no_file exactly where the generator's truth says the warehouse sent
    nothing, not_in_file where its file's row for the SKU was held back (a negative count)."""
    con = duck("silver.inventory", "marts.inventory_daily")
    silver = con.sql("select snapshot_date, warehouse_id, sku_id, on_hand, coalesce(reserved, 0) "
                     "from silver_inventory").fetchall()
    counted = con.sql("select snapshot_date, warehouse_id, sku_id, on_hand_units, reserved_units "
                      "from marts_inventory_daily where snapshot_status = 'counted'").fetchall()
    assert sorted(counted) == sorted(silver) and len(silver) > 100
    uncounted = set(con.sql("""
        with pairs as (select warehouse_id, sku_id, min(snapshot_date) as first from silver_inventory group by all),
        days as (select unnest(generate_series(min(snapshot_date), max(snapshot_date), interval 1 day))::date as day
                 from silver_inventory)
        select day, warehouse_id, sku_id from pairs join days on day >= first
        except select snapshot_date, warehouse_id, sku_id from silver_inventory""").fetchall())
    marked = {r[:3]: r[3] for r in con.sql("select snapshot_date, warehouse_id, sku_id, snapshot_status "
                                           "from marts_inventory_daily where snapshot_status != 'counted'").fetchall()}
    assert marked.keys() == uncounted
    first_file = dict(con.sql("select warehouse_id, min(snapshot_date) from silver_inventory group by all").fetchall())
    sent_nothing = {(date.fromisoformat(m["day"]), w) for m in ecomgen.manifests(cfg, "inventory")
                    for w in m["missing_warehouses"] if date.fromisoformat(m["day"]) > first_file[w]}
    assert {k[:2] for k, status in marked.items() if status == "no_file"} == sent_nothing and sent_nothing
    assert "not_in_file" in marked.values()


def test_stock_across_warehouses_and_turnover_follow_the_counts_and_the_paid_orders(operations_marts, duck):
    """Per SKU and day: each warehouse's count or, on a day without one, its last; units on paid orders;
    turnover as the trailing 30 days' average stock over their average daily units sold."""
    con = duck("silver.inventory", "silver.orders", "marts.inventory_turnover_daily")
    expected = rows(con, """
        with days as (select unnest(generate_series(min(snapshot_date), max(snapshot_date), interval 1 day))::date
                      as day from silver_inventory),
        pairs as (select warehouse_id, sku_id, min(snapshot_date) as first from silver_inventory group by all),
        stock as (
            select day, p.sku_id,
                   (select on_hand from silver_inventory i where i.warehouse_id = p.warehouse_id
                    and i.sku_id = p.sku_id and i.snapshot_date <= day order by snapshot_date desc limit 1) as on_hand
            from pairs p join days on day >= first),
        network as (select day, sku_id, sum(on_hand) as on_hand from stock group by all),
        lines as (select order_date, unnest(items) as line from silver_orders where is_paid and not _is_deleted),
        sold as (select order_date, line.sku_id as sku_id, sum(line.quantity) as units from lines group by all),
        daily as (select n.day, n.sku_id, n.on_hand, coalesce(s.units, 0) as units
                  from network n left join sold s on s.order_date = n.day and s.sku_id = n.sku_id)
        select day, sku_id, on_hand, units,
               avg(on_hand) over w / nullif(avg(units) over w, 0)
        from daily
        window w as (partition by sku_id order by day rows between 29 preceding and current row)""")
    found = rows(con, "select snapshot_date, sku_id, on_hand_units, units_sold, turnover_days "
                      "from marts_inventory_turnover_daily")
    assert found.keys() == expected.keys()
    assert [k for k in expected if not same(found[k], expected[k])] == []
    assert sum(v[1] for v in found.values()) > 0 and any(v[2] is not None for v in found.values())


def test_each_lines_price_is_weighed_against_its_channels_price_level_that_hour(operations_marts, duck):
    """Recomputed from silver's orders and catalog: a line's price over the list price of the catalog version
    valid that day, the multiple most of its channel's lines paid that hour (the lower on a tie), and marked
    up when it paid over 1 % more than that."""
    con = duck("silver.orders", "silver.products", "intermediate.int_pricing__order_lines")
    expected = rows(con, """
        with lines as (select order_id, order_date, channel, hour(created_at) as hour, unnest(items) as line
                       from silver_orders where not _is_deleted),
        priced as (select order_id, line.sku_id as sku_id, order_date, channel, hour,
                          round(line.unit_price_fen / p.price_fen, 3) as ratio
                   from lines join silver_products p on p.sku_id = line.sku_id and p.valid_from <= order_date
                        and (p.valid_to is null or order_date < p.valid_to) and p.price_fen > 0),
        counted as (select *, count(*) over (partition by order_date, hour, channel, ratio) as n from priced),
        referenced as (select *, arg_min(ratio, [-n, ratio]) over (partition by order_date, hour, channel) as ref
                       from counted)
        select order_id, sku_id, ref, ratio > ref * 1.01 from referenced""")
    found = rows(con, "select order_id, sku_id, reference_ratio, is_marked_up "
                      "from intermediate_int_pricing__order_lines")
    assert found.keys() == expected.keys() and len(found) > 100
    assert [k for k in expected if found[k][1] != expected[k][1] or not math.isclose(found[k][0], expected[k][0])
            ] == []


def test_the_price_audit_names_no_hour_the_truth_does_not(operations_marts, cfg):
    """At the test lake's scale an episode hour has too few lines to name (the long test scores them at scale
    0.1); whatever it names must be an episode: at most one false finding (the README's stated bound)."""
    scores = price_audit_scores(cfg)
    print(scores.render())
    assert len(scores.episodes) == 2 and len(scores.false_findings) <= 1


def test_the_brushing_detector_finds_the_rings_and_crowds_orders_and_little_else(operations_marts, cfg):
    """Issue 11's target, scored against the generator's rings and crowds: precision ≥ 0.9 and recall ≥ 0.8;
    the crowds, found by lockstep alone, mostly too."""
    scores = brushing_scores(cfg)
    print(scores.render())
    assert len(scores.brushed) >= 30 and scores.precision >= 0.9 and scores.recall >= 0.8
    assert len(scores.crowd) >= 20 and scores.crowd_recall >= 0.7


def test_the_docs_site_documents_every_operations_mart_column_with_its_definition_and_unit(operations_marts,
                                                                                          docs_gaps):
    assert docs_gaps("operations") == []
