{#- The SDK's sessions of people up to the data date, each with its customer and its marketing touch:
    the campaign whose ad it landed from (the first event's campaign_id), else `direct`. Bots are left
    out by the clickstream contract's is_bot rule (crawler and script user agents). A session is the
    SDK's own; one customer on two devices has two sessions in one journey. -#}
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
        events.*,
        account.customer_key as account_customer_key,
        coalesce(visitor.customer_key, device.customer_key) as device_customer_key

    from events
    {{ join_identifier('account', 'user_id', 'events.user_id') }}
    {{ join_identifier('visitor', 'anonymous_id', 'events.anonymous_id') }}
    {{ join_identifier('device', 'device_id', 'events.device_id') }}

),

sessions as (

    select
        session_id,
        -- the account logged in wins over the device's visitor id (a shared device's visitor is nobody's)
        coalesce(max(account_customer_key), max(device_customer_key)) as customer_key,
        min(event_time) as started_at,
        max(event_time) as ended_at,
        min_by(platform, event_time) as platform,
        min_by(campaign_id, event_time) as campaign_id,
        min_by(utm_source, event_time) as utm_source,
        min_by(utm_medium, event_time) as utm_medium,
        min_by(utm_campaign, event_time) as utm_campaign,
        min_by(page, event_time) as landing_page,
        count(*) as events,
        count_if(event_name = 'purchase') as purchases

    from resolved
    group by session_id

),

final as (

    select
        session_id,
        customer_key,
        started_at,
        ended_at,
        cast(started_at as date) as session_date,
        platform,
        coalesce(campaign_id, 'direct') as touch,
        campaign_id,
        utm_source,
        utm_medium,
        utm_campaign,
        landing_page,
        events,
        purchases

    from sessions
    where customer_key is not null

)

select * from final
