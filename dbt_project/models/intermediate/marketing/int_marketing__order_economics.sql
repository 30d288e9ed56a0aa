{#- What each converting order is worth to the shop: its GMV, its cost of goods (each line's quantity at
    the unit cost of its SKU's catalog version valid when the order was placed), the gross margin, and
    whether it is its customer's first paid order ever (a new customer, in any channel). -#}
with

orders as (

    select distinct order_id, customer_key, ordered_at, order_date, gmv_fen
    from {{ ref('int_marketing__touchpoints') }}

),

lines as (

    select * from {{ ref('stg_orders__order_lines') }}

),

versions as (

    select * from {{ ref('stg_products__sku_versions') }}

),

costs as (

    select orders.order_id, sum(lines.quantity * versions.cost_fen) as cogs_fen
    from orders
    inner join lines on lines.order_id = orders.order_id
    inner join versions
        on versions.sku_id = lines.sku_id
        and versions.valid_from <= orders.ordered_at
        and (versions.valid_to is null or orders.ordered_at < versions.valid_to)
    group by orders.order_id

),

first_orders as (

    select customer_key, min_by(order_id, ordered_at) as order_id
    from {{ ref('int_customers__orders') }}
    where is_paid
    group by customer_key

),

final as (

    select
        orders.order_id,
        orders.customer_key,
        orders.order_date,
        orders.gmv_fen,
        costs.cogs_fen,
        orders.gmv_fen - costs.cogs_fen as gross_margin_fen,
        first_orders.order_id is not null as is_new_customer

    from orders
    left join costs on costs.order_id = orders.order_id
    left join first_orders on first_orders.order_id = orders.order_id

)

select * from final
