{#- Every order line with what its price says about discrimination: the price paid as a multiple of the
    catalog's list price at the order (int_products__order_lines), the multiple most of its channel's
    lines paid in that hour (the reference: a channel's own price level, a subsidy, a flash price or a
    promotion applies to everyone there at once), and whether it paid more than that reference beyond a
    tolerance; with the buyer's segments: the account's city tier (a guest's by where the parcel went) and
    member level. -#}
with

lines as (

    select * from {{ ref('int_products__order_lines') }}
    where list_price_fen > 0

),

orders as (

    select order_id, user_id, shipping_city from {{ ref('stg_orders__orders') }}

),

segmented as (

    select
        lines.order_id,
        lines.sku_id,
        lines.unit_price_fen,
        lines.list_price_fen,
        lines.channel,
        lines.order_date,
        hour(lines.ordered_at) as order_hour,
        round(lines.unit_price_fen / lines.list_price_fen, 3) as price_ratio,
        cast(coalesce(accounts.city_tier, city_tiers.city_tier) as string) as city_tier,
        case when orders.user_id is null then 'guest' else accounts.member_level end as member_level

    from lines
    inner join orders on orders.order_id = lines.order_id
    left join {{ ref('stg_users__accounts') }} as accounts on accounts.user_id = orders.user_id
    left join {{ ref('city_tiers') }} as city_tiers on city_tiers.city = orders.shipping_city

),

referenced as (

    select
        *,
        mode(price_ratio, true) over (partition by order_date, order_hour, channel) as reference_ratio

    from segmented

),

final as (

    select
        *,
        list_price_fen * reference_ratio as reference_price_fen,
        price_ratio > reference_ratio * (1 + {{ var('price_audit_tolerance') }}) as is_marked_up

    from referenced

)

select * from final
