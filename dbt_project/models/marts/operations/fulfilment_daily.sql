{#- Per order date, carrier and the tier of the destination city: shipments, deliveries, the shares on time and within 48 hours of the
    order (of the shipments where that is decided, see deliveries), hours to deliver, returns and the
    return rate. -#}
with

deliveries as (

    select * from {{ ref('deliveries') }}
    where order_date is not null

),

final as (

    select
        order_date,
        carrier,
        city_tier,
        count(*) as shipments,
        count(delivered_at) as delivered,
        {{ share_true('is_on_time') }} as on_time_share,
        {{ share_true('is_within_48h') }} as within_48h_share,
        percentile(hours_to_deliver, 0.5) as median_hours_to_deliver,
        percentile(hours_to_deliver, 0.9) as p90_hours_to_deliver,
        count_if(is_returned) as returns,
        count_if(is_returned) / count(*) as return_rate

    from deliveries
    group by order_date, carrier, city_tier

)

select * from final
