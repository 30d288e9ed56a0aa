{#- The GMV tree of each own channel and day: visitors × conversion rate × average order value = GMV,
    exactly, and each day's change in GMV from the day before split among the three factors by the
    log-mean Divisia index (LMDI): contribution of factor x = L(GMV today, GMV yesterday) × ln(x today /
    x yesterday); the three add up to the change (to rounding at 1e-9 fen). A day or its previous day
    without visitors or paid orders has no decomposition (nulls). Visitors are the SDK's distinct visitor
    ids of the channel that day, bots excluded; orders and GMV are the channel's paid orders. -#}
with

visitors as (

    select event_date as activity_date, platform as channel, count(distinct anonymous_id) as visitors
    from {{ ref('stg_clickstream__events') }}
    where not is_bot
    group by event_date, platform

),

orders as (

    select order_date as activity_date, channel, count(*) as paid_orders, sum(order_total_fen) as gmv_fen
    from {{ ref('stg_orders__orders') }}
    where is_paid and channel in ({{ "'" ~ var('own_channels') | join("', '") ~ "'" }})
    group by order_date, channel

),

factors as (

    select
        visitors.activity_date,
        visitors.channel,
        visitors.visitors,
        coalesce(orders.paid_orders, 0) as paid_orders,
        coalesce(orders.gmv_fen, 0) as gmv_fen,
        {{ conversion_rate('orders.paid_orders', 'visitors.visitors') }} as conversion_rate,
        {{ aov('orders.gmv_fen', 'orders.paid_orders') }} as aov_fen

    from visitors
    left join orders on orders.activity_date = visitors.activity_date and orders.channel = visitors.channel

),

with_previous as (

    select
        *,
        -- the previous row counts only when it is the day before
        if(lag(activity_date) over by_channel = date_sub(activity_date, 1), lag(struct(visitors, conversion_rate,
           aov_fen, gmv_fen)) over by_channel, null) as previous

    from factors
    window by_channel as (partition by channel order by activity_date)

),

{%- set weight = log_mean('gmv_fen', 'previous.gmv_fen') %}

final as (

    select
        activity_date,
        channel,
        visitors,
        conversion_rate,
        aov_fen,
        gmv_fen,
        paid_orders,
        gmv_fen - previous.gmv_fen as gmv_change_fen,
        round({{ weight }} * ln(try_divide(visitors, previous.visitors)), 9) as visitors_contribution_fen,
        round({{ weight }} * ln(try_divide(conversion_rate, previous.conversion_rate)), 9)
            as conversion_contribution_fen,
        round({{ weight }} * ln(try_divide(aov_fen, previous.aov_fen)), 9) as aov_contribution_fen

    from with_previous

)

select * from final
