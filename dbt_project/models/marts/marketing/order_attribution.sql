{#- Every converting order's credit per touch under each attribution model, side by side: the six
    rule-based models and the two data-driven ones (Shapley values, Markov removal effects). Per order and model the credits sum to 1 and
    the GMV credits to the order's GMV. -#}
with

rule_based as (

    select * from {{ ref('int_marketing__rule_based_credits') }}

),

shapley as (

    select * from {{ ref('int_marketing__shapley_credits') }}

),

markov as (

    select * from {{ ref('int_marketing__markov_credits') }}

),

final as (

    select order_id, order_date, attribution_model, touch, credit, gmv_credit_fen from rule_based
    union all
    select order_id, order_date, attribution_model, touch, credit, gmv_credit_fen from shapley
    union all
    select order_id, order_date, attribution_model, touch, credit, gmv_credit_fen from markov

)

select * from final
