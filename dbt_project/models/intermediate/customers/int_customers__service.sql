{#- Service tickets with their customer: the order's customer when the ticket names an order, else the
    customer of the contact phone, else of the contact email. The hotline an agent types as the
    contact phone is a hub, so it resolves to nobody (a guard, unit-tested). -#}
with

tickets as (

    select * from {{ ref('stg_service__tickets') }}
    where opened_date <= {{ as_of_date() }}

),

identifiers as (

    select identifier_type, identifier, customer_key
    from {{ ref('stg_identity__identifiers') }}
    where customer_key is not null

),

orders as (

    select order_id, customer_key from {{ ref('int_customers__orders') }}

),

resolved as (

    select
        tickets.ticket_id,
        tickets.nps_score,
        tickets.first_response_minutes,
        coalesce(orders.customer_key, phone.customer_key, email.customer_key) as customer_key

    from tickets
    left join orders on orders.order_id = tickets.order_id
    {{ join_identifier('phone', 'phone', 'tickets.contact_phone_token') }}
    {{ join_identifier('email', 'email', 'tickets.contact_email_token') }}

)

select * from resolved
where customer_key is not null
