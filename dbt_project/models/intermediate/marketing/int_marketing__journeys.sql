{#- Every customer-day of the own shop as a journey the data-driven model learns from: a customer who
    placed a converting order that day (its campaigns: those on the path to the first such order), or
    who only browsed (the campaigns of that day's sessions). The share of journeys that convert, per set
    of campaigns, is the value the Shapley credit shares out. -#}
with

first_orders as (

    select customer_key, order_date as journey_date, min_by(order_id, ordered_at) as order_id
    from {{ ref('int_marketing__touchpoints') }}
    group by customer_key, order_date

),

converted as (

    select first_orders.customer_key, first_orders.journey_date, paths.campaigns
    from first_orders
    inner join ({{ recent_campaigns(ref('int_marketing__touchpoints'), ['order_id']) }}) as paths
        on paths.order_id = first_orders.order_id

),

browsed as (

    {{ recent_campaigns(
        "(select customer_key, session_date as journey_date, touch, started_at as touched_at from "
        ~ ref('int_marketing__sessions') ~ ")",
        ['customer_key', 'journey_date']) }}

),

final as (

    select customer_key, journey_date, campaigns, true as converted
    from converted

    union all

    select browsed.customer_key, browsed.journey_date, browsed.campaigns, false as converted
    from browsed
    left anti join converted
        on converted.customer_key = browsed.customer_key and converted.journey_date = browsed.journey_date

)

select * from final
