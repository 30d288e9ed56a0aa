{#- Every line of every order with what it earned and cost: its share of the order's GMV (the order's
    discount spread over its lines in proportion to their value, so an order's lines add up to its total)
    and its cost of goods at the unit cost of the SKU's catalog version valid when the order was placed
    (the SCD2 history of silver.products), with that version's list price beside the price paid. The one
    place cost of goods, and the catalog price an order line is compared with, are defined. -#}
with

orders as (

    select * from {{ ref('stg_orders__orders') }}

),

lines as (

    select * from {{ ref('stg_orders__order_lines') }}

),

versions as (

    select * from {{ ref('stg_products__sku_versions') }}

),

final as (

    select
        lines.order_id,
        orders.order_date,
        orders.ordered_at,
        orders.channel,
        orders.is_paid,
        lines.sku_id,
        lines.quantity,
        lines.unit_price_fen,
        versions.price_fen as list_price_fen,
        lines.line_fen,
        lines.line_fen * try_divide(
            cast(orders.order_total_fen as double), sum(lines.line_fen) over (partition by lines.order_id)
        ) as gmv_fen,
        lines.quantity * versions.cost_fen as cogs_fen

    from lines
    inner join orders on orders.order_id = lines.order_id
    left join versions
        on versions.sku_id = lines.sku_id
        and versions.valid_from <= orders.ordered_at
        and (versions.valid_to is null or orders.ordered_at < versions.valid_to)

)

select * from final
