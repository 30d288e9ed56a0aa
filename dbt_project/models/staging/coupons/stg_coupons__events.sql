with

source as (

    select * from {{ source('silver', 'coupon_events') }}

),

renamed as (

    select
        event_id as coupon_event_id,
        event_type as coupon_event_type,
        event_time as coupon_event_at,
        event_date as coupon_event_date,
        template_id,
        coupon_id,
        campaign_id,
        user_id,
        order_id,
        target_segment,
        user_segment,
        is_target_claim,
        face_value_fen,
        min_spend_fen,
        valid_until as coupon_valid_until

    from source

)

select * from renamed
