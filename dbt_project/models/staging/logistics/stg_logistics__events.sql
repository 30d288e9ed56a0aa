with

source as (

    select * from {{ source('silver', 'logistics_events') }}

),

renamed as (

    select
        event_id as logistics_event_id,
        event_type as logistics_event_type,
        event_time as logistics_event_at,
        event_date as logistics_event_date,
        shipment_id,
        return_id,
        order_id,
        carrier,
        promised_at,
        return_reason

    from source

)

select * from renamed
