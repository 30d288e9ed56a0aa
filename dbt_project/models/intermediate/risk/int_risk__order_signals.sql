{#- Every order with the observable signals of order brushing (刷单) and a score; the generator's truth
    is never read. A ring has a few phones and drop addresses place its target SKUs for many accounts,
    often in scripted sessions, the same account again and again:
    - shared_target: at least `brushing_min_accounts` accounts bought one of its SKUs from its device or
      to its shipping address (a pick-up station's crowd buys all sorts, a flash sale's from their own
      phones to their own homes);
    - shared_device: at least `brushing_min_accounts` accounts ordered from its device (a family tablet
      has two or three);
    - rushed: its purchase session took under `brushing_max_session_seconds` from landing to purchase;
    - repeated: its account bought one of its SKUs more than once that day.
    The score weighs them (vars `brushing_weights`); `brushing_min_score` flags. -#}
{%- set weights = var('brushing_weights') %}
with

orders as (

    select * from {{ ref('stg_orders__orders') }}
    where user_id is not null

),

lines as (

    select distinct orders.order_id, orders.user_id, orders.device_id, orders.shipping_address_token,
                    orders.order_date, lines.sku_id
    from orders
    inner join {{ ref('stg_orders__order_lines') }} as lines on lines.order_id = orders.order_id

),

device_accounts as (

    select device_id, count(distinct user_id) as accounts
    from orders
    where device_id is not null
    group by device_id

),

target_accounts as (

    select lines.order_id, max(peers.accounts) as accounts
    from lines
    inner join (
        select 'device' as via, device_id as shared, sku_id, count(distinct user_id) as accounts
        from lines where device_id is not null group by device_id, sku_id
        union all
        select 'address', shipping_address_token, sku_id, count(distinct user_id)
        from lines where shipping_address_token is not null group by shipping_address_token, sku_id
    ) as peers
        on peers.sku_id = lines.sku_id
        and peers.shared = case peers.via when 'device' then lines.device_id else lines.shipping_address_token end
    group by lines.order_id

),

repeated as (

    select distinct order_id
    from (
        select order_id, count(*) over (partition by user_id, order_date, sku_id) as times
        from lines
    )
    where times > 1

),

sessions as (

    select
        purchases.order_id,
        (unix_millis(purchases.event_time) - unix_millis(min(visits.event_time))) / 1000D as session_seconds

    from {{ ref('stg_clickstream__events') }} as purchases
    inner join {{ ref('stg_clickstream__events') }} as visits on visits.session_id = purchases.session_id
    where purchases.event_name = 'purchase' and purchases.order_id is not null
        and visits.event_time <= purchases.event_time
    group by purchases.order_id, purchases.event_time

),

signals as (

    select
        orders.order_id,
        orders.user_id,
        orders.order_date,
        orders.ordered_at,
        orders.channel,
        coalesce(device_accounts.accounts, 1) as device_accounts,
        coalesce(target_accounts.accounts, 1) as target_accounts,
        sessions.session_seconds,
        coalesce(target_accounts.accounts, 1) >= {{ var('brushing_min_accounts') }} as is_shared_target,
        coalesce(device_accounts.accounts, 1) >= {{ var('brushing_min_accounts') }} as is_shared_device,
        coalesce(sessions.session_seconds < {{ var('brushing_max_session_seconds') }}, false) as is_rushed,
        repeated.order_id is not null as is_repeated

    from orders
    left join device_accounts on device_accounts.device_id = orders.device_id
    left join target_accounts on target_accounts.order_id = orders.order_id
    left join sessions on sessions.order_id = orders.order_id
    left join repeated on repeated.order_id = orders.order_id

),

final as (

    select
        *,
        -- decimal literals: the weights add up exactly, then one cast
        cast(
            {{ weights['shared_target'] }} * cast(is_shared_target as int)
            + {{ weights['shared_device'] }} * cast(is_shared_device as int)
            + {{ weights['rushed'] }} * cast(is_rushed as int)
            + {{ weights['repeated'] }} * cast(is_repeated as int)
            as double
        ) as brushing_score

    from signals

)

select *, brushing_score >= {{ var('brushing_min_score') }} as is_suspicious
from final
