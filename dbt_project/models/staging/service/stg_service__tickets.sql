with

source as (

    select * from {{ source('silver', 'service_tickets') }}

),

renamed as (

    select
        ticket_id,
        channel as ticket_channel,
        category as ticket_category,
        contact_phone_token,
        contact_email_token,
        order_id,
        nps_score,
        opened_at,
        to_date(opened_at) as opened_date,
        first_response_at,
        (unix_millis(first_response_at) - unix_millis(opened_at)) / 1000D as first_response_seconds,
        first_response_minutes,
        resolved_at,
        resolution_hours

    from source

)

select * from renamed
