{#- Customers by the week of their first paid order (the cohort) and the weeks since (the period, 0 =
    the cohort's own week): how many were active (a paid order in that week), how many had bought again
    by its end, and their cumulative GMV per customer. -#}
with

acquisitions as (

    select * from {{ ref('int_marketing__acquisitions') }}

),

paid as (

    select customer_key, order_id, order_date, order_total_fen
    from {{ ref('int_customers__orders') }}
    where is_paid

),

cohort_sizes as (

    select cohort_week, count(*) as cohort_customers
    from acquisitions
    group by cohort_week

),

periods as (

    select
        cohort_sizes.cohort_week,
        cohort_sizes.cohort_customers,
        period

    from cohort_sizes
    lateral view explode(sequence(
        0, cast(datediff(cast(date_trunc('week', (select max(order_date) from paid)) as date), cohort_sizes.cohort_week) / 7 as int)
    )) weeks as period

),

orders_by_period as (

    select
        acquisitions.cohort_week,
        acquisitions.customer_key,
        cast(datediff(cast(date_trunc('week', paid.order_date) as date), acquisitions.cohort_week) / 7 as int) as period,
        count(*) as paid_orders,
        sum(paid.order_total_fen) as gmv_fen

    from acquisitions
    inner join paid on paid.customer_key = acquisitions.customer_key
    group by acquisitions.cohort_week, acquisitions.customer_key,
             cast(datediff(cast(date_trunc('week', paid.order_date) as date), acquisitions.cohort_week) / 7 as int)

),

to_date as (

    select
        periods.cohort_week,
        periods.period,
        orders_by_period.customer_key,
        sum(orders_by_period.paid_orders) as orders_to_date,
        sum(orders_by_period.gmv_fen) as gmv_to_date_fen

    from periods
    inner join orders_by_period
        on orders_by_period.cohort_week = periods.cohort_week and orders_by_period.period <= periods.period
    group by periods.cohort_week, periods.period, orders_by_period.customer_key

),

active as (

    select cohort_week, period, count(*) as active_customers
    from orders_by_period
    group by cohort_week, period

),

summary as (

    select
        periods.cohort_week,
        periods.period,
        periods.cohort_customers,
        coalesce(max(active.active_customers), 0) as active_customers,
        count_if(to_date.orders_to_date >= 2) as repeat_customers,
        coalesce(sum(to_date.gmv_to_date_fen), 0) as cumulative_gmv_fen

    from periods
    left join active on active.cohort_week = periods.cohort_week and active.period = periods.period
    left join to_date on to_date.cohort_week = periods.cohort_week and to_date.period = periods.period
    group by periods.cohort_week, periods.period, periods.cohort_customers

),

final as (

    select
        cohort_week,
        period as weeks_since_first_order,
        cohort_customers,
        active_customers,
        active_customers / cohort_customers as retention_rate,
        repeat_customers / cohort_customers as repurchase_rate,
        cumulative_gmv_fen / cohort_customers as cumulative_gmv_per_customer_fen

    from summary

)

select * from final
