{#- What each customer buys and uses most: category and brand by spend, sales channel by paid orders,
    tracking platform by sessions. Ties go to the name first in order, so reruns agree. -#}
with

paid_orders as (

    select order_id, customer_key, channel
    from {{ ref('int_customers__orders') }}
    where is_paid

),

lines as (

    select paid_orders.customer_key, skus.category_l1, skus.brand, order_lines.line_fen
    from {{ ref('stg_orders__order_lines') }} as order_lines
    inner join paid_orders on paid_orders.order_id = order_lines.order_id
    inner join {{ ref('stg_products__skus') }} as skus on skus.sku_id = order_lines.sku_id

),

sessions as (

    select customer_key, platform, count(distinct session_id) as sessions
    from {{ ref('int_customers__clickstream') }}
    group by customer_key, platform

),

{% set favourites = [
    ('category', 'lines', 'category_l1', 'sum(line_fen)'),
    ('brand', 'lines', 'brand', 'sum(line_fen)'),
    ('channel', 'paid_orders', 'channel', 'count(*)'),
    ('platform', 'sessions', 'platform', 'sum(sessions)'),
] %}
{% for name, relation, column, weight in favourites %}
preferred_{{ name }} as (

    select customer_key, {{ column }} as preferred_{{ name }}
    from (
        select
            customer_key,
            {{ column }},
            row_number() over (
                partition by customer_key order by {{ weight }} desc, {{ column }}
            ) as preference_rank
        from {{ relation }}
        where {{ column }} is not null
        group by customer_key, {{ column }}
    )
    where preference_rank = 1

),

{% endfor %}
customers as (

    select customer_key from preferred_category
    union
    select customer_key from preferred_channel
    union
    select customer_key from preferred_platform

)

select
    customers.customer_key,
    preferred_category.preferred_category,
    preferred_brand.preferred_brand,
    preferred_channel.preferred_channel,
    preferred_platform.preferred_platform

from customers
left join preferred_category using (customer_key)
left join preferred_brand using (customer_key)
left join preferred_channel using (customer_key)
left join preferred_platform using (customer_key)
