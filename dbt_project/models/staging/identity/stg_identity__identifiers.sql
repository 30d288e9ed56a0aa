with

source as (

    select * from {{ source('silver', 'identity_map') }}

),

renamed as (

    select
        identifier_type,
        identifier,
        customer_key,
        is_hub,
        is_shared,
        hub_accounts,
        first_seen_at as identifier_first_seen_at,
        last_seen_at as identifier_last_seen_at

    from source

)

select * from renamed
