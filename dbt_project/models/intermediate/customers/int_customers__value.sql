{#- RFM scores and segment, and the lifecycle stage, as of the data date (thresholds: vars). -#}
with

summary as (

    select * from {{ ref('int_customers__order_summary') }}

),

dated as (

    select
        *,
        datediff({{ as_of_date() }}, last_order_date) as recency_days,
        datediff(last_order_date, previous_order_date) as gap_before_last_days,
        datediff({{ as_of_date() }}, first_order_date) as days_since_first_order

    from summary

),

scored as (

    select
        *,
        {{ quintile_score('recency_days desc') }} as r_score,
        {{ quintile_score('paid_orders') }} as f_score,
        {{ quintile_score('gmv_fen') }} as m_score

    from dated

),

staged as (

    select
        customer_key,
        recency_days,
        r_score,
        f_score,
        m_score,
        {{ rfm_segment('r_score', 'f_score') }} as rfm_segment,
        case
            when days_since_first_order < {{ var('lifecycle_new_days') }} then 'new'
            when recency_days < {{ var('lifecycle_active_days') }}
                and gap_before_last_days >= {{ var('lifecycle_winback_gap_days') }} then 'won_back'
            when recency_days < {{ var('lifecycle_active_days') }} then 'active'
            when recency_days < {{ var('lifecycle_dormant_days') }} then 'dormant'
            else 'churned'
        end as lifecycle_stage

    from scored

)

select * from staged
