{#- How each customer was acquired: their first paid order ever (any channel), its week and month, and the
    acquisition channel: the ad platform of the last campaign that touched the path to that order (last
    non-direct), else the order's own sales channel (a marketplace, the store, or an own channel the
    customer came to directly). -#}
with

paid as (

    select * from {{ ref('int_customers__orders') }}
    where is_paid

),

first_orders as (

    select
        customer_key,
        min_by(order_id, ordered_at) as order_id,
        min_by(channel, ordered_at) as sales_channel,
        min(order_date) as first_order_date

    from paid
    group by customer_key

),

last_campaigns as (

    select order_id, max_by(touch, touched_at) as campaign_id
    from {{ ref('int_marketing__touchpoints') }}
    where touch != 'direct'
    group by order_id

),

platforms as (

    select campaign_id, max(platform) as platform
    from {{ ref('stg_ad_spend__campaign_days') }}
    group by campaign_id

),

final as (

    select
        first_orders.customer_key,
        first_orders.order_id as first_order_id,
        first_orders.first_order_date,
        cast(date_trunc('week', first_orders.first_order_date) as date) as cohort_week,
        cast(date_trunc('month', first_orders.first_order_date) as date) as cohort_month,
        coalesce(platforms.platform, first_orders.sales_channel) as acquisition_channel,
        last_campaigns.campaign_id as acquisition_campaign_id

    from first_orders
    left join last_campaigns on last_campaigns.order_id = first_orders.order_id
    left join platforms on platforms.campaign_id = last_campaigns.campaign_id

)

select * from final
