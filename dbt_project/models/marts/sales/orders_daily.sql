with

orders as (

    select * from {{ ref('stg_orders__orders') }}

),

daily as (

    select
        order_date,
        channel,
        count(distinct order_id) as orders,
        count(distinct case when is_paid then order_id end) as paid_orders,
        count(distinct user_id) as buyers,
        cast(coalesce(sum(case when is_paid then order_total_fen end), 0) as bigint) as gmv_fen,
        cast(coalesce(sum(case when is_paid then item_quantity end), 0) as bigint) as units_sold

    from orders
    group by order_date, channel

),

final as (

    select
        order_date,
        channel,
        orders,
        paid_orders,
        buyers,
        gmv_fen,
        units_sold,
        cast(gmv_fen / nullif(paid_orders, 0) as bigint) as aov_fen

    from daily

)

select * from final
