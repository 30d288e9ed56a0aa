{#- The Markov-chain model's credits: a touch's removal effect is the share of the chain's chance to
    convert (int_marketing__markov_transitions) lost without it; a converting order's touches share it in
    proportion to their removal effects (all to `direct` when none is positive). The chance to convert is
    the mass that reaches `conversion` from `start` in var markov_steps steps of each scenario's chain. -#}
with

{%- for n in range(var('markov_steps')) %}

step_{{ n + 1 }} as (

    {%- if n == 0 %}
    select scenario, to_state as state, probability as mass
    from {{ ref('int_marketing__markov_transitions') }}
    where from_state = 'start'
    {%- else %}
    select step.scenario, chain.to_state as state, sum(step.mass * chain.probability) as mass
    from step_{{ n }} as step
    inner join {{ ref('int_marketing__markov_transitions') }} as chain
        on chain.scenario = step.scenario and chain.from_state = step.state
    group by step.scenario, chain.to_state
    {%- endif %}

),
{%- endfor %}

conversion_chance as (

    select scenario, sum(if(state = 'conversion', mass, 0.0D)) as probability
    from step_{{ var('markov_steps') }}
    group by scenario

),

removal_effects as (

    select removed.scenario as touch,
           greatest(1 - removed.probability / nullif(base.probability, 0), 0.0D) as removal_effect
    from conversion_chance as removed
    inner join conversion_chance as base on base.scenario = 'none'
    where removed.scenario != 'none'

),

order_touches as (

    select distinct order_id, order_date, gmv_fen, touch
    from {{ ref('int_marketing__touchpoints') }}

),

weighted as (

    select
        order_touches.*,
        coalesce(removal_effects.removal_effect, 0.0D) as removal_effect,
        sum(coalesce(removal_effects.removal_effect, 0.0D)) over (partition by order_touches.order_id) as path_effect

    from order_touches
    left join removal_effects on removal_effects.touch = order_touches.touch

),

credits as (

    select order_id, order_date, gmv_fen, touch, removal_effect / path_effect as credit
    from weighted
    where path_effect > 0

    union all

    select distinct order_id, order_date, gmv_fen, 'direct' as touch, 1.0D as credit
    from weighted
    where path_effect <= 0

),

final as (

    select
        order_id,
        order_date,
        'markov' as attribution_model,
        touch,
        credit,
        credit * gmv_fen as gmv_credit_fen

    from credits
    where credit != 0

)

select * from final
