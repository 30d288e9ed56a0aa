{#- Per day and SKU: how often it was viewed and added to a cart (the SDK's events, bots excluded), what
    its paid orders bought (orders, units, GMV with the orders' discounts spread over their lines, gross
    margin at the catalog's cost when ordered), view-to-order conversion, and the units that came back
    (lines of orders with a return requested). Merchandising attributes are the SKU's current ones. -#}
with

lines as (

    select * from {{ ref('int_products__order_lines') }}
    where is_paid

),

returned_orders as (

    select distinct order_id
    from {{ ref('stg_logistics__events') }}
    where logistics_event_type = 'return_requested'

),

sales as (

    select
        lines.order_date as activity_date,
        lines.sku_id,
        count(distinct lines.order_id) as paid_orders,
        sum(lines.quantity) as units,
        sum(lines.gmv_fen) as gmv_fen,
        sum(lines.gmv_fen - lines.cogs_fen) as gross_margin_fen,
        coalesce(sum(lines.quantity) filter (where returned_orders.order_id is not null), 0) as returned_units

    from lines
    left join returned_orders on returned_orders.order_id = lines.order_id
    group by lines.order_date, lines.sku_id

),

browsing as (

    select
        event_date as activity_date,
        sku_id,
        count_if(event_name = 'product_view') as product_views,
        count_if(event_name = 'add_to_cart') as add_to_carts

    from {{ ref('stg_clickstream__events') }}
    where not is_bot and sku_id is not null
    group by event_date, sku_id

),

final as (

    select
        coalesce(sales.activity_date, browsing.activity_date) as activity_date,
        coalesce(sales.sku_id, browsing.sku_id) as sku_id,
        skus.category_l1,
        skus.brand,
        skus.product_role,
        coalesce(browsing.product_views, 0) as product_views,
        coalesce(browsing.add_to_carts, 0) as add_to_carts,
        coalesce(sales.paid_orders, 0) as paid_orders,
        coalesce(sales.units, 0) as units,
        coalesce(sales.gmv_fen, 0) as gmv_fen,
        sales.gross_margin_fen,
        try_divide(cast(sales.paid_orders as double), browsing.product_views) as view_to_order_rate,
        coalesce(sales.returned_units, 0) as returned_units,
        try_divide(cast(sales.returned_units as double), sales.units) as return_rate

    from sales
    full outer join browsing on browsing.activity_date = sales.activity_date and browsing.sku_id = sales.sku_id
    left join {{ ref('stg_products__skus') }} as skus
        on skus.sku_id = coalesce(sales.sku_id, browsing.sku_id)

)

select * from final
