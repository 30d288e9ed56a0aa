with

orders as (

    select * from {{ source('silver', 'orders') }}
    where not _is_deleted

),

lines as (

    select
        order_id,
        line.sku_id,
        line.quantity,
        line.unit_price_fen,
        line.quantity * line.unit_price_fen as line_fen

    from orders
    lateral view explode(items) exploded as line

)

select * from lines
