{#- Every order with the customer who placed it: through its account, or for a guest checkout through
    the phone it was placed with. Flags the profile needs: coupon, return, a hub device, browsing. -#}
with

orders as (

    select * from {{ ref('stg_orders__orders') }}
    where order_date <= {{ as_of_date() }}

),

identifiers as (

    select * from {{ ref('stg_identity__identifiers') }}

),

redeemed as (

    select distinct order_id
    from {{ ref('stg_coupons__events') }}
    where coupon_event_type = 'redeemed' and order_id is not null

),

returned as (

    select distinct order_id
    from {{ ref('stg_logistics__events') }}
    where logistics_event_type = 'return_requested'

),

browsing as (

    select customer_key, event_time
    from {{ ref('int_customers__clickstream') }}
    where event_name in ('page_view', 'product_view', 'search', 'add_to_cart')

),

with_customer as (

    select
        orders.*,
        coalesce(account.customer_key, guest.customer_key) as customer_key,
        coalesce(device.is_hub, false) as from_hub_device

    from orders
    {{ join_identifier('account', 'user_id', 'orders.user_id') }}
    {{ join_identifier('guest', 'phone', 'orders.shipping_phone_token', when='orders.user_id is null') }}
    {{ join_identifier('device', 'device_id', 'orders.device_id') }}

),

browsed as (

    select distinct with_customer.order_id
    from with_customer
    inner join browsing
        on browsing.customer_key = with_customer.customer_key
        and browsing.event_time between with_customer.ordered_at - interval 24 hours and with_customer.ordered_at

),

flagged as (

    select
        with_customer.*,
        redeemed.order_id is not null as used_coupon,
        returned.order_id is not null as was_returned,
        with_customer.channel in ({{ "'" ~ var('own_channels') | join("', '") ~ "'" }}) as in_own_channel,
        browsed.order_id is not null as browsed_before

    from with_customer
    left join redeemed on redeemed.order_id = with_customer.order_id
    left join returned on returned.order_id = with_customer.order_id
    left join browsed on browsed.order_id = with_customer.order_id

)

select * from flagged
where customer_key is not null
