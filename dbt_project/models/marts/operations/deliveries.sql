{#- One row per shipment: the carrier's events pivoted into times, with the order it carries and the
    city (and its tier) it goes to. What is
    not known yet stays null: a parcel still on its way has no delivery time, and whether it will be on
    time or within 48 hours is only decided once it arrives or the deadline has passed by the latest
    carrier event the lake holds (never the clock: a rebuild gives the same answers). -#}
with

events as (

    select * from {{ ref('stg_logistics__events') }}

),

observed as (

    select max(logistics_event_at) as observed_until
    from events

),

shipments as (

    select
        shipment_id,
        max(order_id) as order_id,
        max(carrier) as carrier,
        max(promised_at) as promised_at,
        min(logistics_event_at) filter (where logistics_event_type = 'shipment_created') as shipped_at,
        min(logistics_event_at) filter (where logistics_event_type = 'picked_up') as picked_up_at,
        min(logistics_event_at) filter (where logistics_event_type = 'delivered') as delivered_at,
        min(logistics_event_at) filter (where logistics_event_type = 'return_requested') as return_requested_at,
        min(logistics_event_at) filter (where logistics_event_type = 'return_received') as return_received_at,
        max(return_reason) as return_reason

    from events
    group by shipment_id

),

final as (

    select
        shipments.shipment_id,
        shipments.order_id,
        shipments.carrier,
        orders.ordered_at,
        orders.order_date,
        orders.shipping_city,
        city_tiers.city_tier,
        shipments.shipped_at,
        shipments.picked_up_at,
        shipments.promised_at,
        shipments.delivered_at,
        (unix_millis(shipments.delivered_at) - unix_millis(orders.ordered_at)) / 3600000D as hours_to_deliver,
        {{ decided_by('shipments.delivered_at', 'shipments.promised_at', 'observed.observed_until') }}
            as is_on_time,
        {{ decided_by('shipments.delivered_at', 'orders.ordered_at + interval 48 hours', 'observed.observed_until') }}
            as is_within_48h,
        shipments.return_requested_at is not null as is_returned,
        shipments.return_requested_at,
        shipments.return_received_at,
        shipments.return_reason

    from shipments
    cross join observed
    left join {{ ref('stg_orders__orders') }} as orders on orders.order_id = shipments.order_id
    left join {{ ref('city_tiers') }} as city_tiers on city_tiers.city = orders.shipping_city

)

select * from final
