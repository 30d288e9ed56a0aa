with

source as (

    select * from {{ source('silver', 'clickstream_events') }}

),

renamed as (

    select
        event_id,
        event_name,
        event_time,
        event_date,
        anonymous_id,
        user_id,
        device_id,
        platform,
        session_id,
        page,
        sku_id,
        order_id,
        utm_source,
        utm_medium,
        utm_campaign,
        campaign_id,
        is_bot

    from source

)

select * from renamed
