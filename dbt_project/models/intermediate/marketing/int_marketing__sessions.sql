{#- The SDK's sessions of people up to the data date (bots left out, see int_customers__clickstream), each
    with its customer and its marketing touch: the campaign whose ad it landed from (the first event's
    campaign_id), else `direct`. A session is the SDK's own; one customer on two devices has two sessions
    in one journey. -#}
with

events as (

    select * from {{ ref('int_customers__clickstream') }}
    where session_id is not null

),

sessions as (

    select
        session_id,
        max(customer_key) as customer_key,  -- one per session (int_customers__clickstream)
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

    from events
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

)

select * from final
