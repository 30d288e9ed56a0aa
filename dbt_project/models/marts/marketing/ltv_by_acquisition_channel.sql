{#- Customer value by how and when customers were acquired: for each acquisition channel (an ad platform,
    else the first order's sales channel) and cohort month, the customers acquired, their GMV to date per
    customer (LTV to date), the platform's CAC (its spend that month over the customers it acquired then)
    and LTV:CAC. Channels without spend have no CAC. -#}
with

acquisitions as (

    select * from {{ ref('int_marketing__acquisitions') }}

),

value_to_date as (

    select acquisitions.customer_key, coalesce(sum(orders.order_total_fen), 0) as gmv_fen
    from acquisitions
    left join {{ ref('int_customers__orders') }} as orders
        on orders.customer_key = acquisitions.customer_key and orders.is_paid
    group by acquisitions.customer_key

),

spend as (

    select platform, cast(date_trunc('month', spend_date) as date) as cohort_month, sum(spend_fen) as spend_fen
    from {{ ref('stg_ad_spend__campaign_days') }}
    group by platform, cast(date_trunc('month', spend_date) as date)

),

cohorts as (

    select
        acquisitions.acquisition_channel,
        acquisitions.cohort_month,
        count(*) as customers,
        sum(value_to_date.gmv_fen) as gmv_to_date_fen

    from acquisitions
    inner join value_to_date on value_to_date.customer_key = acquisitions.customer_key
    group by acquisitions.acquisition_channel, acquisitions.cohort_month

),

final as (

    select
        cohorts.cohort_month,
        cohorts.acquisition_channel,
        cohorts.customers,
        cohorts.gmv_to_date_fen / cohorts.customers as ltv_to_date_fen,
        spend.spend_fen,
        {{ cac('spend.spend_fen', 'cohorts.customers') }} as cac_fen,
        {{ ltv_to_cac('cohorts.gmv_to_date_fen / cohorts.customers', cac('spend.spend_fen', 'cohorts.customers')) }}
            as ltv_to_cac

    from cohorts
    left join spend
        on spend.platform = cohorts.acquisition_channel and spend.cohort_month = cohorts.cohort_month

)

select * from final
