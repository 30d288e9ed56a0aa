{#- What each converting order is worth to the shop: its GMV, its cost of goods (its lines', at the catalog's
    cost when it was placed: int_products__order_lines), the gross margin, and
    whether it is its customer's first paid order ever (a new customer, in any channel). -#}
with

orders as (

    select distinct order_id, customer_key, ordered_at, order_date, gmv_fen
    from {{ ref('int_marketing__touchpoints') }}

),

costs as (

    select order_id, sum(cogs_fen) as cogs_fen
    from {{ ref('int_products__order_lines') }}
    group by order_id

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
