{#- The path to each converting order: the sessions of its customer that started in the lookback window
    before it (var attribution_lookback_hours), in time order, the session it was placed in included. A
    converting order is a paid order of the own tracked channels (var own_channels) whose customer is
    known; an order with no tracked session before it gets one `direct` touch at its own time, so every
    order has a path and every model gives it a whole credit. -#}
with

orders as (

    select
        order_id,
        customer_key,
        ordered_at,
        order_date,
        order_total_fen as gmv_fen

    from {{ ref('int_customers__orders') }}
    where in_own_channel and is_paid

),

sessions as (

    select * from {{ ref('int_marketing__sessions') }}

),

tracked as (

    select
        orders.order_id,
        sessions.session_id,
        sessions.touch,
        sessions.started_at as touched_at

    from orders
    inner join sessions
        on sessions.customer_key = orders.customer_key
        and sessions.started_at <= orders.ordered_at
        and sessions.started_at > orders.ordered_at - make_interval(0, 0, 0, 0, {{ var('attribution_lookback_hours') }})

),

untracked as (

    select
        orders.order_id,
        cast(null as string) as session_id,
        'direct' as touch,
        orders.ordered_at as touched_at

    from orders
    left anti join tracked on tracked.order_id = orders.order_id

),

touches as (

    select * from tracked
    union all
    select * from untracked

),

final as (

    select
        orders.order_id,
        orders.customer_key,
        orders.ordered_at,
        orders.order_date,
        orders.gmv_fen,
        touches.session_id,
        touches.touch,
        touches.touched_at,
        (unix_millis(orders.ordered_at) - unix_millis(touches.touched_at)) / 3600000.0 as hours_before_order,
        row_number() over (
            partition by orders.order_id order by touches.touched_at, touches.session_id
        ) as touch_number,
        count(*) over (partition by orders.order_id) as touches_in_path

    from orders
    inner join touches on touches.order_id = orders.order_id

)

select * from final
