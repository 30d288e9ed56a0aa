{#- Each coupon template (a coupon campaign aimed at one segment): its funnel from issued and claimed to
    redeemed, the claims from outside its segment, what the discounts cost, the GMV of the redeeming
    orders, and what it really added, measured against its holdout: the members of its audience the
    service deliberately sent nothing. Sent and held-out members are compared on their paid orders
    and GMV (any channel) within the template's validity from the moment they were sent (or held
    out): the difference of the means, with a 95 % confidence interval (Welch's t, macro welch_margin_95),
    times the members sent is the incremental figure. An arm of fewer than var holdout_min_members members
    gets no interval: four held-out members who happened not to buy have a sample variance of zero. -#}
with

events as (

    select * from {{ ref('stg_coupons__events') }}

),

templates as (

    select
        template_id,
        max(campaign_id) as campaign_id,
        max(target_segment) as target_segment,
        max(face_value_fen) as face_value_fen,
        min(coupon_event_date) as created_date,
        -- the validity of a coupon of the template, from its issue or claim to its expiry
        max(unix_millis(coupon_valid_until) - unix_millis(coupon_event_at)) filter (
            where coupon_event_type in ('issued', 'claimed')) as validity_ms,
        count_if(coupon_event_type = 'issued') as issued,
        count_if(coupon_event_type = 'held_out') as held_out,
        count_if(coupon_event_type = 'claimed') as claimed,
        count_if(coupon_event_type = 'claimed' and not is_target_claim) as claimed_outside_segment,
        count_if(coupon_event_type = 'redeemed') as redeemed

    from events
    group by template_id

),

redemptions as (

    select
        events.template_id,
        sum(orders.order_total_fen) as redeeming_gmv_fen

    from events
    inner join {{ ref('stg_orders__orders') }} as orders on orders.order_id = events.order_id
    where events.coupon_event_type = 'redeemed' and orders.is_paid
    group by events.template_id

),

members as (

    select template_id, user_id, coupon_event_type as arm, coupon_event_at as since
    from events
    where coupon_event_type in ('issued', 'held_out')

),

member_outcomes as (

    select
        members.template_id,
        members.arm,
        members.user_id,
        count(orders.order_id) as paid_orders,
        coalesce(sum(orders.order_total_fen), 0) as gmv_fen

    from members
    inner join templates on templates.template_id = members.template_id
    left join {{ ref('stg_orders__orders') }} as orders
        on orders.user_id = members.user_id
        and orders.is_paid
        and orders.ordered_at >= members.since
        and unix_millis(orders.ordered_at) < unix_millis(members.since) + templates.validity_ms
    group by members.template_id, members.arm, members.user_id

),

arms as (

    select
        template_id,
        arm,
        count(*) as members,
        avg(paid_orders) as mean_orders,
        coalesce(var_samp(paid_orders), 0) as var_orders,
        avg(gmv_fen) as mean_gmv,
        coalesce(var_samp(gmv_fen), 0) as var_gmv

    from member_outcomes
    group by template_id, arm

),

lift as (

    select
        sent.template_id,
        sent.mean_orders - held.mean_orders as orders_lift_per_member,
        sent.mean_gmv - held.mean_gmv as gmv_lift_per_member,
        case when least(sent.members, held.members) >= {{ var('holdout_min_members') }} then struct(
            {{ welch_margin_95('sent.var_orders', 'sent.members', 'held.var_orders', 'held.members') }} as orders,
            {{ welch_margin_95('sent.var_gmv', 'sent.members', 'held.var_gmv', 'held.members') }} as gmv
        ) end as margin

    from arms as sent
    inner join arms as held on held.template_id = sent.template_id and held.arm = 'held_out'
    where sent.arm = 'issued'

),

final as (

    select
        templates.template_id,
        templates.campaign_id,
        templates.target_segment,
        templates.created_date,
        templates.face_value_fen,
        templates.issued,
        templates.held_out,
        templates.claimed,
        templates.claimed_outside_segment,
        try_divide(cast(templates.claimed_outside_segment as double), templates.claimed) as outside_segment_claim_share,
        templates.redeemed,
        try_divide(cast(templates.redeemed as double), templates.issued + templates.claimed) as redemption_rate,
        templates.redeemed * templates.face_value_fen as discount_cost_fen,
        coalesce(redemptions.redeeming_gmv_fen, 0) as redeeming_gmv_fen,
        lift.orders_lift_per_member,
        lift.orders_lift_per_member - lift.margin.orders as orders_lift_low,
        lift.orders_lift_per_member + lift.margin.orders as orders_lift_high,
        lift.gmv_lift_per_member * templates.issued as incremental_gmv_fen,
        (lift.gmv_lift_per_member - lift.margin.gmv) * templates.issued as incremental_gmv_low_fen,
        (lift.gmv_lift_per_member + lift.margin.gmv) * templates.issued as incremental_gmv_high_fen

    from templates
    left join redemptions on redemptions.template_id = templates.template_id
    left join lift on lift.template_id = templates.template_id

)

select * from final
