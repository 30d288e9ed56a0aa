with

source as (

    select * from {{ source('silver', 'inventory') }}

),

renamed as (

    select
        snapshot_date,
        warehouse_id,
        sku_id,
        on_hand as on_hand_units,
        coalesce(reserved, 0) as reserved_units,
        on_hand - coalesce(reserved, 0) as available_units

    from source

)

select * from renamed
