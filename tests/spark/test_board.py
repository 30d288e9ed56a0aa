"""The board on the test lake: each day's row is what the published marts it summarises add up to,
recomputed by a second engine (DuckDB over delta-rs) from those marts' own rows."""

from __future__ import annotations

import math

import pytest

from orchestration import marts
from orchestration.dbt import mart_models


@pytest.fixture(scope="module")
def board(marketing_marts, operations_marts, spark) -> dict:
    return marts.refresh_marts(mart_models("board"))


def by_day(con, sql: str) -> dict:
    return {r[0]: r[1:] for r in con.sql(sql).fetchall()}


def assert_same(found: dict, expected: dict) -> None:
    assert found.keys() == expected.keys() and found
    for day, figures in expected.items():
        assert len(found[day]) == len(figures)
        for f, e in zip(found[day], figures, strict=True):
            assert (f is None) == (e is None) and (f is None or math.isclose(f, e, rel_tol=1e-9, abs_tol=1e-9)), day


def test_user_behaviour_is_the_traffic_and_service_marts_summed_per_day(board, duck):
    con = duck("marts.gmv_tree_daily", "marts.service_daily", "marts.board_user_behaviour_daily")
    expected = by_day(con, """
        with traffic as (select activity_date as day, sum(visitors) v, sum(paid_orders) o, sum(gmv_fen) g
                         from marts_gmv_tree_daily group by all),
        service as (select opened_date as day, sum(tickets) t,
                           sum(answered_within_2_minutes) w, sum(nps_answers) a, sum(promoters) p, sum(detractors) d
                    from marts_service_daily group by all)
        select coalesce(traffic.day, service.day), v, o / v, g / o, t, w / t, 100.0 * (p - d) / nullif(a, 0)
        from traffic full join service on traffic.day = service.day""")
    found = by_day(con, "select activity_date, visitors, conversion_rate, aov_fen, tickets, "
                        "answered_within_2_minutes_share, nps from marts_board_user_behaviour_daily")
    assert_same(found, expected)


def test_product_performance_is_the_product_stock_and_delivery_marts_per_day(board, duck):
    con = duck("marts.product_performance_daily", "marts.product_groups_daily", "marts.inventory_daily",
               "marts.deliveries", "marts.board_product_performance_daily")
    expected = by_day(con, """
        with products as (select activity_date as day, sum(gmv_fen) g, sum(returned_units) / sum(units) r
                          from marts_product_performance_daily group by all),
        hot as (select activity_date as day, sum(hot_item_gmv_fen) h from marts_product_groups_daily
                where group_kind = 'brand' group by all),
        stock as (select snapshot_date as day, avg(is_stockout::int) s from marts_inventory_daily group by all),
        delivery as (select order_date as day, avg(is_within_48h::int) w from marts_deliveries
                     where order_date is not null group by all),
        days as (select day from products union select day from stock union select day from delivery)
        select days.day, g, r, h / g, s, w
        from days left join products using (day) left join hot using (day) left join stock using (day)
        left join delivery using (day)""")
    found = by_day(con, "select activity_date, gmv_fen, return_rate, hot_item_gmv_share, stockout_rate, "
                        "within_48h_share from marts_board_product_performance_daily")
    assert_same(found, expected)
    assert any(v[3] is not None for v in found.values())


def test_marketing_effect_is_the_default_models_campaign_rows_summed_per_day(board, duck):
    con = duck("marts.campaign_performance_daily", "marts.board_marketing_effect_daily")
    expected = by_day(con, """
        select activity_date, sum(spend_fen), sum(attributed_gmv_fen) / nullif(sum(spend_fen), 0),
               sum(spend_fen) / nullif(sum(attributed_new_customers), 0)
        from marts_campaign_performance_daily where attribution_model = 'shapley' group by all""")
    found = by_day(con, "select activity_date, spend_fen, roas, paid_cac_fen from marts_board_marketing_effect_daily")
    assert_same(found, expected)
    assert any(v[1] is not None for v in found.values())


def test_the_docs_site_documents_every_board_column_with_its_definition_and_unit(board, docs_gaps):
    assert docs_gaps("board") == []
