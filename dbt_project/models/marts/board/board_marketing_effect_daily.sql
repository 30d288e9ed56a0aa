{#- The board's marketing-effect dimension, one row per day: the campaigns' spend, reach and what the
    default attribution model credits them with (campaign_performance_daily summed over campaigns and
    platforms), with ROAS, ROI on gross margin and paid CAC recomputed from those sums by the same macros. -#}
with

campaigns as (

    select
        activity_date,
        sum(spend_fen) as spend_fen,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(landings) as landings,
        sum(attributed_orders) as attributed_orders,
        sum(attributed_gmv_fen) as attributed_gmv_fen,
        sum(attributed_gross_margin_fen) as attributed_gross_margin_fen,
        sum(attributed_new_customers) as attributed_new_customers

    from {{ source('published', 'campaign_performance_daily') }}
    where attribution_model = '{{ var("default_attribution_model") }}'
    group by activity_date

),

final as (

    select
        activity_date,
        spend_fen,
        impressions,
        clicks,
        {{ ctr('clicks', 'impressions') }} as ctr,
        landings,
        attributed_orders,
        attributed_gmv_fen,
        attributed_new_customers,
        {{ roas('attributed_gmv_fen', 'spend_fen') }} as roas,
        {{ gross_margin_roi('attributed_gross_margin_fen', 'spend_fen') }} as gross_margin_roi,
        {{ cac('spend_fen', 'attributed_new_customers') }} as paid_cac_fen

    from campaigns

)

select * from final
