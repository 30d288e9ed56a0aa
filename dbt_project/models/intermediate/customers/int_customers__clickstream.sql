{#- Tracking events of people (bots excluded) with their customer: the account logged in, else the
    SDK visitor id, else the device. Hubs and shared identifiers resolve to nobody. -#}
with

events as (

    select * from {{ ref('stg_clickstream__events') }}
    where not is_bot and event_date <= {{ as_of_date() }}

),

identifiers as (

    select identifier_type, identifier, customer_key
    from {{ ref('stg_identity__identifiers') }}
    where customer_key is not null

),

resolved as (

    select
        events.event_id,
        events.event_name,
        events.event_time,
        events.event_date,
        events.session_id,
        events.platform,
        coalesce(account.customer_key, visitor.customer_key, device.customer_key) as customer_key

    from events
    {{ join_identifier('account', 'user_id', 'events.user_id') }}
    {{ join_identifier('visitor', 'anonymous_id', 'events.anonymous_id') }}
    {{ join_identifier('device', 'device_id', 'events.device_id') }}

)

select * from resolved
where customer_key is not null
