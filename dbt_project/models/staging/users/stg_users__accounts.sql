with

source as (

    select * from {{ source('silver', 'users') }}

),

renamed as (

    select
        user_id,
        phone_token,
        email_token,
        wechat_unionid,
        gender,
        birth_year,
        birth_decade,
        city,
        city_tier,
        register_channel,
        registered_at,
        registered_date,
        member_level,
        is_private_domain_member,
        marketing_consent,
        updated_at as profile_updated_at

    from source
    -- a closed account is an erasure request: its tombstone carries no profile
    where not _is_deleted

)

select * from renamed
