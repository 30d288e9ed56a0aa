with

source as (

    select * from {{ source('silver', 'orders') }}

),

renamed as (

    select
        order_id,
        user_id,
        device_id,
        shipping_phone_token,
        shipping_address_token,
        shipping_city,
        channel,
        status,
        item_quantity,
        total_fen as order_total_fen,
        discount_fen,
        is_paid,
        order_date,
        created_at as ordered_at,
        updated_at as status_changed_at

    from source
    -- a deleted order is a tombstone in silver (it keeps late changes from resurrecting it)
    where not _is_deleted

)

select * from renamed
