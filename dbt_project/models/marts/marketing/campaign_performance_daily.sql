{#- Each campaign's day: what its platform reports (spend, impressions, clicks), the landings the shop
    saw, and what the default attribution model (var default_attribution_model) credits it with:
    orders, GMV, gross margin and new customers; the ratios are the metric macros (macros/marketing_metrics.sql). -#}
with

spend as (

    select platform, campaign_id, spend_date as activity_date, spend_fen, impressions, clicks
    from {{ ref('stg_ad_spend__campaign_days') }}

),

landings as (

    select campaign_id, session_date as activity_date, count(*) as landings
    from {{ ref('int_marketing__sessions') }}
    where campaign_id is not null
    group by campaign_id, session_date

),

credited as (

    select
        credits.touch as campaign_id,
        credits.order_date as activity_date,
        sum(credits.credit) as attributed_orders,
        sum(credits.gmv_credit_fen) as attributed_gmv_fen,
        sum(credits.credit * economics.gross_margin_fen) as attributed_gross_margin_fen,
        sum(if(economics.is_new_customer, credits.credit, 0.0D)) as attributed_new_customers

    from {{ ref('order_attribution') }} as credits
    inner join {{ ref('int_marketing__order_economics') }} as economics on economics.order_id = credits.order_id
    where credits.attribution_model = '{{ var("default_attribution_model") }}' and credits.touch != 'direct'
    group by credits.touch, credits.order_date

),

new_customers as (

    select order_date as activity_date, count_if(is_new_customer) as new_customers
    from {{ ref('int_marketing__order_economics') }}
    group by order_date

),

campaign_days as (

    select
        coalesce(spend.campaign_id, landings.campaign_id, credited.campaign_id) as campaign_id,
        coalesce(spend.activity_date, landings.activity_date, credited.activity_date) as activity_date,
        spend.platform,
        spend.spend_fen,
        spend.impressions,
        spend.clicks,
        coalesce(landings.landings, 0) as landings,
        coalesce(credited.attributed_orders, 0.0D) as attributed_orders,
        coalesce(credited.attributed_gmv_fen, 0.0D) as attributed_gmv_fen,
        coalesce(credited.attributed_gross_margin_fen, 0.0D) as attributed_gross_margin_fen,
        coalesce(credited.attributed_new_customers, 0.0D) as attributed_new_customers

    from spend
    full outer join landings
        on landings.campaign_id = spend.campaign_id and landings.activity_date = spend.activity_date
    full outer join credited
        on credited.campaign_id = coalesce(spend.campaign_id, landings.campaign_id)
        and credited.activity_date = coalesce(spend.activity_date, landings.activity_date)

),

final as (

    select
        campaign_days.activity_date,
        campaign_days.campaign_id,
        coalesce(campaign_days.platform, max(campaign_days.platform) over (partition by campaign_days.campaign_id))
            as platform,
        '{{ var("default_attribution_model") }}' as attribution_model,
        campaign_days.spend_fen,
        campaign_days.impressions,
        campaign_days.clicks,
        {{ ctr('campaign_days.clicks', 'campaign_days.impressions') }} as ctr,
        campaign_days.landings,
        campaign_days.attributed_orders,
        cast(round(campaign_days.attributed_gmv_fen) as bigint) as attributed_gmv_fen,
        cast(round(campaign_days.attributed_gross_margin_fen) as bigint) as attributed_gross_margin_fen,
        campaign_days.attributed_new_customers,
        {{ roas('campaign_days.attributed_gmv_fen', 'campaign_days.spend_fen') }} as roas,
        {{ gross_margin_roi('campaign_days.attributed_gross_margin_fen', 'campaign_days.spend_fen') }} as gross_margin_roi,
        {{ cac('campaign_days.spend_fen', 'campaign_days.attributed_new_customers') }} as paid_cac_fen,
        {{ cac('day_spend.spend_fen', 'new_customers.new_customers') }} as blended_cac_fen

    from campaign_days
    left join new_customers on new_customers.activity_date = campaign_days.activity_date
    left join (
        select activity_date, sum(spend_fen) as spend_fen from spend group by activity_date
    ) as day_spend on day_spend.activity_date = campaign_days.activity_date

)

select * from final
