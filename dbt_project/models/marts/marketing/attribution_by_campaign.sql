{#- The attribution models compared campaign by campaign: the orders and GMV each model credits to each
    campaign (and to `direct`: no campaign) over the whole history, and that campaign's share of all
    converting orders under the model. -#}
with

credits as (

    select * from {{ ref('order_attribution') }}

),

campaigns as (

    select campaign_id, max_by(platform, spend_date) as platform, max_by(campaign_name, spend_date) as campaign_name
    from {{ ref('stg_ad_spend__campaign_days') }}
    group by campaign_id

),

by_campaign as (

    select
        attribution_model,
        touch,
        sum(credit) as attributed_orders,
        sum(gmv_credit_fen) as attributed_gmv_fen

    from credits
    group by attribution_model, touch

),

final as (

    select
        by_campaign.touch as campaign_id,
        coalesce(campaigns.platform, 'direct') as platform,
        campaigns.campaign_name,
        by_campaign.attribution_model,
        by_campaign.attributed_orders,
        cast(round(by_campaign.attributed_gmv_fen) as bigint) as attributed_gmv_fen,
        by_campaign.attributed_orders
            / sum(by_campaign.attributed_orders) over (partition by by_campaign.attribution_model)
            as order_share

    from by_campaign
    left join campaigns on campaigns.campaign_id = by_campaign.touch

)

select * from final
