{#- The board's product-performance dimension, one row per day: GMV, units, gross margin and returns of
    the SKUs (product_performance_daily), the hot items' share of GMV (product_groups_daily), the share of
    counted warehouse stock out of stock and the SKUs' median turnover days (inventory marts), and the
    shares of the day's orders delivered within 48 hours and on time (deliveries). -#}
with

products as (

    select
        activity_date,
        sum(units) as units,
        sum(gmv_fen) as gmv_fen,
        sum(gross_margin_fen) as gross_margin_fen,
        sum(returned_units) as returned_units

    from {{ source('published', 'product_performance_daily') }}
    group by activity_date

),

hot_items as (

    select activity_date, sum(hot_item_gmv_fen) as hot_item_gmv_fen
    from {{ source('published', 'product_groups_daily') }}
    where group_kind = 'role'
    group by activity_date

),

stock as (

    select snapshot_date as activity_date, {{ share_true('is_stockout') }} as stockout_rate
    from {{ source('published', 'inventory_daily') }}
    group by snapshot_date

),

turnover as (

    select snapshot_date as activity_date, percentile(turnover_days, 0.5) as median_turnover_days
    from {{ source('published', 'inventory_turnover_daily') }}
    group by snapshot_date

),

delivery as (

    select
        order_date as activity_date,
        {{ share_true('is_within_48h') }} as within_48h_share,
        {{ share_true('is_on_time') }} as on_time_share

    from {{ source('published', 'deliveries') }}
    where order_date is not null
    group by order_date

),

dates as (

    select activity_date from products
    union select activity_date from stock
    union select activity_date from delivery

),

final as (

    select
        dates.activity_date,
        products.units,
        products.gmv_fen,
        products.gross_margin_fen,
        try_divide(products.gross_margin_fen, products.gmv_fen) as gross_margin_rate,
        try_divide(cast(products.returned_units as double), products.units) as return_rate,
        try_divide(hot_items.hot_item_gmv_fen, products.gmv_fen) as hot_item_gmv_share,
        stock.stockout_rate,
        turnover.median_turnover_days,
        delivery.within_48h_share,
        delivery.on_time_share

    from dates
    left join products on products.activity_date = dates.activity_date
    left join hot_items on hot_items.activity_date = dates.activity_date
    left join stock on stock.activity_date = dates.activity_date
    left join turnover on turnover.activity_date = dates.activity_date
    left join delivery on delivery.activity_date = dates.activity_date

)

select * from final
