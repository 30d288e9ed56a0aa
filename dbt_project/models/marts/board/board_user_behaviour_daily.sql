{#- The board's user-behaviour dimension, one row per day: the own channels' visitors, conversion, AOV and
    GMV (gmv_tree_daily summed over channels), and the service desk's tickets, two-minute answers and NPS
    (service_daily summed over channels and categories). -#}
with

traffic as (

    select
        activity_date,
        sum(visitors) as visitors,
        sum(paid_orders) as paid_orders,
        sum(gmv_fen) as gmv_fen

    from {{ source('published', 'gmv_tree_daily') }}
    group by activity_date

),

service as (

    select
        opened_date as activity_date,
        sum(tickets) as tickets,
        sum(answered_within_2_minutes) as answered_within_2_minutes,
        sum(nps_answers) as nps_answers,
        sum(promoters) as promoters,
        sum(detractors) as detractors

    from {{ source('published', 'service_daily') }}
    group by opened_date

),

final as (

    select
        coalesce(traffic.activity_date, service.activity_date) as activity_date,
        traffic.visitors,
        traffic.paid_orders,
        {{ conversion_rate('traffic.paid_orders', 'traffic.visitors') }} as conversion_rate,
        {{ aov('traffic.gmv_fen', 'traffic.paid_orders') }} as aov_fen,
        traffic.gmv_fen,
        service.tickets,
        try_divide(cast(service.answered_within_2_minutes as double), service.tickets) as answered_within_2_minutes_share,
        service.nps_answers,
        {{ nps_of_counts('service.promoters', 'service.detractors', 'service.nps_answers') }} as nps

    from traffic
    full outer join service on service.activity_date = traffic.activity_date

)

select * from final
