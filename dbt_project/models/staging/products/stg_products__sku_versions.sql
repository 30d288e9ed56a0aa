with

source as (

    select * from {{ source('silver', 'products') }}

),

versions as (

    select
        sku_id,
        price_fen,
        cost_fen,
        status as sku_status,
        cast(valid_from as timestamp) as valid_from,
        cast(valid_to as timestamp) as valid_to,
        is_current

    from source

)

select * from versions
