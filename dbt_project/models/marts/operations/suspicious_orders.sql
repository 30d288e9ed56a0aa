{#- Every account's order with its brushing signals, their score and the flag (int_risk__order_signals):
    the order-brushing detector analysts and the risk team review, and the customer profile's brushing
    flag. -#}
select
    order_id,
    user_id,
    order_date,
    ordered_at,
    channel,
    device_accounts,
    target_accounts,
    session_seconds,
    lockstep_partners,
    is_shared_target,
    is_shared_device,
    is_rushed,
    is_repeated,
    is_lockstep,
    brushing_score,
    is_suspicious

from {{ ref('int_risk__order_signals') }}
