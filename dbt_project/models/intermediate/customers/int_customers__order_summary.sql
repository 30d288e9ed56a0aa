{#- Per customer: paid orders, GMV, the dates RFM and the lifecycle stage need, and the risk counts. -#}
with

paid as (

    select orders.*, coalesce(risk.is_suspicious, false) as is_suspicious
    from {{ ref('int_customers__orders') }} as orders
    left join {{ ref('int_risk__order_signals') }} as risk on risk.order_id = orders.order_id
    where orders.is_paid

),

order_days as (

    select distinct customer_key, order_date from paid

),

gaps as (

    select
        customer_key,
        order_date,
        lag(order_date) over (partition by customer_key order by order_date) as previous_order_date
    from order_days

),

latest_gap as (

    select customer_key, previous_order_date
    from (
        select
            *,
            row_number() over (partition by customer_key order by order_date desc) as recency_rank
        from gaps
    )
    where recency_rank = 1

),

summary as (

    select
        customer_key,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(*) as paid_orders,
        sum(order_total_fen) as gmv_fen,
        sum(discount_fen) as discount_fen,
        count_if(used_coupon) as coupon_orders,
        count_if(was_returned) as returned_orders,
        count_if(from_hub_device) as hub_device_orders,
        count_if(in_own_channel) as own_channel_orders,
        count_if(in_own_channel and not browsed_before) as orders_without_browsing,
        count_if(is_suspicious) as suspicious_orders

    from paid
    group by customer_key

)

select summary.*, latest_gap.previous_order_date
from summary
left join latest_gap using (customer_key)
