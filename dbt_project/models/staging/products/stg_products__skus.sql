with

source as (

    select * from {{ source('silver', 'products') }}

),

current_version as (

    select
        sku_id,
        product_name,
        brand,
        category_l1,
        category_l2,
        role as product_role,
        price_fen,
        cost_fen,
        status as sku_status

    from source
    where is_current

)

select * from current_version
