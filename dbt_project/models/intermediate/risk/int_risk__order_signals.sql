{#- Every order with the observable signals of order brushing (刷单) and a score; the generator's truth
    is never read. A ring has a few phones and drop addresses place its target SKUs for many accounts,
    often in scripted sessions, the same account again and again; a crowd of workers (刷手) buys a shop's target
    from their own phones, but the same workers keep buying together (lockstep):
    - shared_target: at least `brushing_min_accounts` accounts bought one of its SKUs from its device or
      to its shipping address (a pick-up station's crowd buys all sorts, a flash sale's from their own
      phones to their own homes);
    - shared_device: at least `brushing_min_accounts` accounts ordered from its device (a family tablet
      has two or three);
    - rushed: its purchase session took under `brushing_max_session_seconds` from landing to purchase;
    - repeated: its account bought one of its SKUs more than once that day;
    - lockstep: at least `brushing_lockstep_partners` other accounts bought one of its SKUs within
      `brushing_lockstep_hours` of it, on its day, and each of them also did so beside its account in at
      least `brushing_lockstep_orders` orders (of each of the two) within `brushing_lockstep_days` days:
      shoppers who meet at a popular SKU or a flash sale once do not keep meeting; a basket of several SKUs
      bought by both counts once.
    The score sums the weights of the signals present (vars `brushing_weights`), at most 1;
    `brushing_min_score` flags. -#}
{%- set weights = var('brushing_weights') %}
with

orders as (

    select * from {{ ref('stg_orders__orders') }}
    where user_id is not null

),

lines as (

    select distinct orders.order_id, orders.user_id, orders.device_id, orders.shipping_address_token,
                    orders.order_date, orders.ordered_at, lines.sku_id
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

co_buys as (

    -- two accounts' orders of one SKU on one day within brushing_lockstep_hours of each other
    select distinct
        mine.order_id, mine.user_id, mine.order_date, theirs.user_id as partner, theirs.order_id as partner_order_id
    from lines as mine
    inner join lines as theirs
        on theirs.sku_id = mine.sku_id and theirs.order_date = mine.order_date and theirs.user_id <> mine.user_id
    where abs(unix_seconds(theirs.ordered_at) - unix_seconds(mine.ordered_at))
        <= {{ var('brushing_lockstep_hours') }} * 3600

),

lockstep as (

    select order_id, count(*) as partners
    from (
        select this.order_id, this.partner
        from co_buys as this
        inner join co_buys as other
            on other.user_id = this.user_id and other.partner = this.partner
            and abs(datediff(other.order_date, this.order_date)) <= {{ var('brushing_lockstep_days') }}
        group by this.order_id, this.partner
        having count(distinct other.order_id) >= {{ var('brushing_lockstep_orders') }}
            and count(distinct other.partner_order_id) >= {{ var('brushing_lockstep_orders') }}
    )
    group by order_id

),

sessions as (

    select order_id, (unix_millis(event_time) - unix_millis(session_start)) / 1000D as session_seconds
    from (
        select event_name, event_time, order_id, min(event_time) over (partition by session_id) as session_start
        from {{ ref('stg_clickstream__events') }}
    )
    where event_name = 'purchase' and order_id is not null

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
        coalesce(lockstep.partners, 0) as lockstep_partners,
        coalesce(target_accounts.accounts, 1) >= {{ var('brushing_min_accounts') }} as is_shared_target,
        coalesce(device_accounts.accounts, 1) >= {{ var('brushing_min_accounts') }} as is_shared_device,
        coalesce(sessions.session_seconds < {{ var('brushing_max_session_seconds') }}, false) as is_rushed,
        repeated.order_id is not null as is_repeated,
        coalesce(lockstep.partners, 0) >= {{ var('brushing_lockstep_partners') }} as is_lockstep

    from orders
    left join device_accounts on device_accounts.device_id = orders.device_id
    left join target_accounts on target_accounts.order_id = orders.order_id
    left join sessions on sessions.order_id = orders.order_id
    left join repeated on repeated.order_id = orders.order_id
    left join lockstep on lockstep.order_id = orders.order_id

),

final as (

    select
        *,
        -- decimal literals: the weights add up exactly, then one cast
        cast(
            least(
                1,
                {{ weights['shared_target'] }} * cast(is_shared_target as int)
                + {{ weights['shared_device'] }} * cast(is_shared_device as int)
                + {{ weights['rushed'] }} * cast(is_rushed as int)
                + {{ weights['repeated'] }} * cast(is_repeated as int)
                + {{ weights['lockstep'] }} * cast(is_lockstep as int)
            )
            as double
        ) as brushing_score

    from signals

)

select *, brushing_score >= {{ var('brushing_min_score') }} as is_suspicious
from final
