{#- Tracking events of people up to the data date, each with its customer. Bots are left out by the
    clickstream contract's is_bot rule (crawler and script user agents). A session is one person's: the
    account logged in at any point of it wins (so a landing before the login counts for them), else the
    SDK visitor id's customer, else the device's; hubs and shared identifiers resolve to nobody, and an
    event of nobody's session is left out. An event without a session id stands alone. -#}
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
        events.page,
        events.campaign_id,
        events.utm_source,
        events.utm_medium,
        events.utm_campaign,
        account.customer_key as account_customer_key,
        coalesce(visitor.customer_key, device.customer_key) as device_customer_key

    from events
    {{ join_identifier('account', 'user_id', 'events.user_id') }}
    {{ join_identifier('visitor', 'anonymous_id', 'events.anonymous_id') }}
    {{ join_identifier('device', 'device_id', 'events.device_id') }}

),

sessions as (

    select
        * except (account_customer_key, device_customer_key),
        coalesce(max(account_customer_key) over session, max(device_customer_key) over session) as customer_key

    from resolved
    window session as (partition by coalesce(session_id, event_id))

)

select * from sessions
where customer_key is not null
