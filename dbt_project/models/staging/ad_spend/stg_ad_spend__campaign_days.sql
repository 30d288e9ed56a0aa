with

source as (

    select * from {{ source('silver', 'ad_spend') }}

),

renamed as (

    select
        platform,
        campaign_id,
        campaign_name,
        spend_date,
        impressions,
        clicks,
        spend_fen

    from source

)

select * from renamed
