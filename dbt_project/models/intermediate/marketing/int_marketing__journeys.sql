{#- Every customer-day the own shop tracked, as a journey the data-driven model learns from: the campaigns
    of the customer's sessions that day (up to the first converting order, when there is one), and
    whether they converted. Only tracked days count: a converting order with no session before it that
    day (placed before the tracking began, say) says nothing about what campaigns do. The share of
    journeys that convert, per set of campaigns, is the value the Shapley credit shares out. -#}
with

first_orders as (

    select customer_key, order_date as journey_date, min(ordered_at) as first_ordered_at
    from {{ ref('int_marketing__touchpoints') }}
    group by customer_key, order_date

),

day_sessions as (

    select
        sessions.customer_key,
        sessions.session_date as journey_date,
        sessions.touch,
        sessions.started_at as touched_at,
        first_orders.first_ordered_at is not null as converted

    from {{ ref('int_marketing__sessions') }} as sessions
    left join first_orders
        on first_orders.customer_key = sessions.customer_key and first_orders.journey_date = sessions.session_date
    where first_orders.first_ordered_at is null or sessions.started_at <= first_orders.first_ordered_at

),

final as (

    select journeys.customer_key, journeys.journey_date, journeys.campaigns, outcomes.converted
    from ({{ recent_campaigns('day_sessions', ['customer_key', 'journey_date']) }}) as journeys
    inner join (
        select distinct customer_key, journey_date, converted from day_sessions
    ) as outcomes on outcomes.customer_key = journeys.customer_key and outcomes.journey_date = journeys.journey_date

)

select * from final
