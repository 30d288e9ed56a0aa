{#- Every order line with the price its channel mostly charged for the SKU that day (the reference: the
    most common unit price, the lower on a tie), whether it paid more than that beyond a tolerance, and
    the buyer's segments: the account's city tier (a guest's by where the parcel went) and member level.
    A line paid more counts as evidence of discrimination only when its channel did not charge that hour's
    buyers more across the board (a subsidy or a flash price ending is a price change for everyone). -#}
with

orders as (

    select * from {{ ref('stg_orders__orders') }}

),

lines as (

    select
        lines.order_id,
        lines.sku_id,
        lines.unit_price_fen,
        orders.channel,
        orders.order_date,
        hour(orders.ordered_at) as order_hour,
        cast(coalesce(accounts.city_tier, city_tiers.city_tier) as string) as city_tier,
        case when orders.user_id is null then 'guest' else accounts.member_level end as member_level

    from {{ ref('stg_orders__order_lines') }} as lines
    inner join orders on orders.order_id = lines.order_id
    left join {{ ref('stg_users__accounts') }} as accounts on accounts.user_id = orders.user_id
    left join {{ ref('city_tiers') }} as city_tiers on city_tiers.city = orders.shipping_city

),

priced as (

    select
        *,
        mode(unit_price_fen, true) over (partition by channel, sku_id, order_date) as reference_price_fen

    from lines

),

flagged as (

    select
        *,
        unit_price_fen > reference_price_fen * (1 + {{ var('price_audit_tolerance') }}) as is_marked_up

    from priced

),

final as (

    select
        *,
        is_marked_up and {{ share_true('is_marked_up', 'over (partition by order_date, order_hour, channel)') }}
            <= {{ var('price_audit_max_channel_share') }} as is_evidence

    from flagged

)

select * from final
