{#- Per day opened, channel and category: tickets, first response (median, p90, share answered within
    two minutes of all tickets: one not answered yet is not answered in time), resolution time, and the
    NPS of the surveys answered after resolution. -#}
with

tickets as (

    select * from {{ ref('stg_service__tickets') }}

),

final as (

    select
        opened_date,
        ticket_channel,
        ticket_category,
        count(*) as tickets,
        count(first_response_seconds) as responded,
        percentile(first_response_seconds / 60D, 0.5) as median_first_response_minutes,
        percentile(first_response_seconds / 60D, 0.9) as p90_first_response_minutes,
        count_if(first_response_seconds <= 120) as answered_within_2_minutes,
        count_if(first_response_seconds <= 120) / count(*) as answered_within_2_minutes_share,
        percentile(resolution_hours, 0.5) as median_resolution_hours,
        count(nps_score) as nps_answers,
        count_if(nps_score >= 9) as promoters,
        count_if(nps_score <= 6) as detractors,
        {{ nps('nps_score') }} as nps

    from tickets
    group by opened_date, ticket_channel, ticket_category

)

select * from final
