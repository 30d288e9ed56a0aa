{#- One row per known customer (someone with an account or an order), every attribute as of the data
    date. Identity counts from the OneID map; demographics from the customer's accounts (the anchor
    account, the earliest registered, speaks for the person); behaviour from the intermediate models. -#}
with

identifiers as (

    select * from {{ ref('stg_identity__identifiers') }}
    where customer_key is not null

),

accounts as (

    select identifiers.customer_key, accounts.*
    from identifiers
    inner join {{ ref('stg_users__accounts') }} as accounts
        on identifiers.identifier_type = 'user_id' and identifiers.identifier = accounts.user_id
    where accounts.registered_date <= {{ as_of_date() }}

),

anchor_account as (

    select *
    from (
        select
            *,
            row_number() over (partition by customer_key order by registered_at, user_id) as account_rank
        from accounts
    )
    where account_rank = 1

),

account_rollup as (

    select
        customer_key,
        count(*) as accounts_merged,
        max(
            case member_level when 'platinum' then 3 when 'gold' then 2 when 'silver' then 1 else 0 end
        ) as member_rank,
        bool_or(is_private_domain_member) as is_private_domain_member,
        -- PIPL: marketing needs the person's consent; one account that withdrew it speaks for the person
        bool_and(coalesce(marketing_consent, false)) as marketing_consent

    from accounts
    group by customer_key

),

identity_rollup as (

    select
        customer_key,
        count(*) as identifiers_merged,
        count_if(identifier_type = 'phone') as phones_merged,
        count_if(identifier_type = 'device_id') as devices_merged

    from identifiers
    group by customer_key

),

orders as (

    select * from {{ ref('int_customers__order_summary') }}

),

value as (

    select * from {{ ref('int_customers__value') }}

),

preferences as (

    select * from {{ ref('int_customers__preferences') }}

),

engagement as (

    select
        customer_key,
        count(distinct session_id) as sessions_30d,
        count(distinct event_date) as active_days_30d

    from {{ ref('int_customers__clickstream') }}
    where event_date > date_sub({{ as_of_date() }}, 30)
    group by customer_key

),

service as (

    select
        customer_key,
        count(*) as service_tickets,
        avg(nps_score) as avg_nps

    from {{ ref('int_customers__service') }}
    group by customer_key

),

known as (

    select customer_key from account_rollup
    union
    -- any order, paid or not: a guest whose only checkout was cancelled is still a known customer
    select customer_key from {{ ref('int_customers__orders') }}

),

profiles as (

    select
        known.customer_key,
        {{ as_of_date() }} as as_of_date,
        anchor_account.user_id as primary_user_id,
        coalesce(account_rollup.accounts_merged, 0) as accounts_merged,
        identity_rollup.phones_merged,
        identity_rollup.devices_merged,
        identity_rollup.identifiers_merged,
        anchor_account.gender,
        anchor_account.birth_decade,
        {{ generation('anchor_account.birth_year') }} as generation,
        anchor_account.city,
        anchor_account.city_tier,
        anchor_account.register_channel as acquisition_channel,
        anchor_account.registered_date,
        datediff({{ as_of_date() }}, anchor_account.registered_date) as tenure_days,
        case account_rollup.member_rank
            when 3 then 'platinum' when 2 then 'gold' when 1 then 'silver' when 0 then 'none'
        end as member_level,
        account_rollup.is_private_domain_member,
        coalesce(account_rollup.marketing_consent, false) as marketing_consent,
        orders.first_order_date,
        orders.last_order_date,
        coalesce(orders.paid_orders, 0) as paid_orders,
        coalesce(orders.gmv_fen, 0) as gmv_fen,
        cast(try_divide(orders.gmv_fen, orders.paid_orders) as bigint) as aov_fen,
        value.recency_days,
        value.r_score,
        value.f_score,
        value.m_score,
        value.rfm_segment,
        coalesce(value.lifecycle_stage, 'prospect') as lifecycle_stage,
        preferences.preferred_category,
        preferences.preferred_brand,
        preferences.preferred_channel,
        preferences.preferred_platform,
        try_divide(orders.coupon_orders, orders.paid_orders) as coupon_order_share,
        try_divide(orders.discount_fen, orders.gmv_fen + orders.discount_fen) as discount_share,
        try_divide(orders.returned_orders, orders.paid_orders) as return_rate,
        coalesce(service.service_tickets, 0) as service_tickets,
        service.avg_nps,
        coalesce(engagement.sessions_30d, 0) as sessions_30d,
        coalesce(engagement.active_days_30d, 0) as active_days_30d,
        coalesce(orders.hub_device_orders, 0) as hub_device_orders,
        coalesce(orders.orders_without_browsing, 0) as orders_without_browsing,
        coalesce(orders.suspicious_orders, 0) as suspicious_orders,
        coalesce(orders.suspicious_orders > 0, false) as is_brushing_suspect

    from known
    left join anchor_account using (customer_key)
    left join account_rollup using (customer_key)
    left join identity_rollup using (customer_key)
    left join orders using (customer_key)
    left join value using (customer_key)
    left join preferences using (customer_key)
    left join engagement using (customer_key)
    left join service using (customer_key)

)

select * from profiles
