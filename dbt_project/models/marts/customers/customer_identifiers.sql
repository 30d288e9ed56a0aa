{#- Identifier → customer, for lookups and joins; hubs and shared identifiers are listed with no customer. -#}
select
    identifier_type,
    identifier,
    customer_key,
    is_hub,
    is_shared,
    identifier_first_seen_at,
    identifier_last_seen_at

from {{ ref('stg_identity__identifiers') }}
