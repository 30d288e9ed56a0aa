{#- The Markov-chain model's credits: a touch's removal effect is the share of the chain's chance to
    convert (int_marketing__markov_transitions) lost without it; a converting order's touches share it in
    proportion to their removal effects (all to `direct` when none is positive). The chance to convert is
    read off the transition matrix to the power 2^var markov_squarings (repeated squaring of the stored
    chain): a walk still under way after that many steps counts as not converting. -#}
with

power_0 as (

    select * from {{ ref('int_marketing__markov_transitions') }}

),

{%- for n in range(var('markov_squarings')) %}

power_{{ n + 1 }} as (

    select a.scenario, a.from_state, b.to_state, sum(a.probability * b.probability) as probability
    from power_{{ n }} as a
    inner join power_{{ n }} as b on b.scenario = a.scenario and b.from_state = a.to_state
    group by a.scenario, a.from_state, b.to_state

),
{%- endfor %}

conversion_chance as (

    select scenario, sum(if(to_state = 'conversion', probability, 0.0D)) as probability
    from power_{{ var('markov_squarings') }}
    where from_state = 'start'
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

    {{ attribution_credits('credits', "'markov'") }}

)

select * from final
