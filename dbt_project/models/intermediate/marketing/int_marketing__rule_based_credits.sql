{#- Each converting order's credit per touch (campaign or `direct`) under the six rule-based models;
    under every model an order's credits sum to 1. The rules:
    first_touch and last_touch: all to the first / last touch of the path;
    last_non_direct: all to the last campaign touch, or to the last touch when there is none;
    linear: equal shares;
    time_decay: weight 2^(-hours before the order / var time_decay_half_life_hours), normalised;
    position_based: 40 % first, 40 % last, 20 % shared by those between (a path of two: half each). -#}
with

touchpoints as (

    select
        *,
        max(case when touch != 'direct' then touch_number end) over (partition by order_id)
            as last_campaign_touch_number,
        pow(0.5, hours_before_order / {{ var('time_decay_half_life_hours') }}) as decay_weight

    from {{ ref('int_marketing__touchpoints') }}

),

weighted as (

    select
        order_id,
        order_date,
        gmv_fen,
        touch,
        if(touch_number = 1, 1.0D, 0.0D) as first_touch,
        if(touch_number = touches_in_path, 1.0D, 0.0D) as last_touch,
        if(touch_number = coalesce(last_campaign_touch_number, touches_in_path), 1.0D, 0.0D) as last_non_direct,
        1.0D / touches_in_path as linear,
        decay_weight / sum(decay_weight) over (partition by order_id) as time_decay,
        case
            when touches_in_path = 1 then 1.0D
            when touches_in_path = 2 then 0.5D
            when touch_number in (1, touches_in_path) then 0.4D
            else 0.2D / (touches_in_path - 2)
        end as position_based

    from touchpoints

),

unpivoted as (

    select
        order_id,
        order_date,
        gmv_fen,
        touch,
        stack(
            6,
            'first_touch', first_touch,
            'last_touch', last_touch,
            'last_non_direct', last_non_direct,
            'linear', linear,
            'time_decay', time_decay,
            'position_based', position_based
        ) as (attribution_model, credit)

    from weighted

),

summed as (

    -- a touch on a path twice (two landings from one campaign) gets the sum of its positions' credits
    select order_id, order_date, attribution_model, touch, sum(credit) as credit, max(gmv_fen) as gmv_fen
    from unpivoted
    group by order_id, order_date, attribution_model, touch

),

final as (

    {{ attribution_credits('summed') }}

)

select * from final
