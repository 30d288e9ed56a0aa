{#- The Markov-chain model: journeys are walks from `start` through their touches (campaigns and
    `direct`) to `conversion` (the path to a converting order) or `null` (a customer-day of browsing
    without one); the transition probabilities are counted over all of them. A touch's removal effect is
    the share of the chain's chance to convert that is lost when every transition into it goes to `null`
    instead. A converting order's touches share it in proportion to their removal effects (all to
    `direct` when none is positive). The chance to convert is read off the transition matrix raised to
    the power 2^var markov_squarings by repeated squaring, `conversion` and `null` absorbing. -#}
with

converting_steps as (

    select order_id as path_id, touch as state, touch_number as step, true as converted
    from {{ ref('int_marketing__touchpoints') }}

),

browsing_steps as (

    select
        concat(sessions.customer_key, '|', sessions.session_date) as path_id,
        sessions.touch as state,
        row_number() over (
            partition by sessions.customer_key, sessions.session_date order by sessions.started_at, sessions.session_id
        ) as step,
        false as converted

    from {{ ref('int_marketing__sessions') }} as sessions
    left anti join {{ ref('int_marketing__journeys') }} as journeys
        on journeys.customer_key = sessions.customer_key
        and journeys.journey_date = sessions.session_date
        and journeys.converted

),

steps as (

    select * from converting_steps
    union all
    select * from browsing_steps

),

walks as (

    select
        path_id,
        lag(state, 1, 'start') over (partition by path_id order by step) as from_state,
        state as to_state

    from steps

    union all

    select path_id, max_by(state, step) as from_state, if(max(converted), 'conversion', 'null') as to_state
    from steps
    group by path_id

),

transitions as (

    select from_state, to_state, count(*) / sum(count(*)) over (partition by from_state) as probability
    from walks
    group by from_state, to_state

),

touches as (

    select distinct from_state as touch from transitions where from_state != 'start'

),

-- one chain per scenario: as counted (scenario `none`), and with each touch removed
scenario_matrix as (

    select scenarios.scenario, transitions.from_state,
           if(transitions.to_state = scenarios.scenario, 'null', transitions.to_state) as to_state,
           transitions.probability
    from transitions
    cross join (select touch as scenario from touches union all select 'none' as scenario) as scenarios

    union all

    select scenarios.scenario, absorbing.state as from_state, absorbing.state as to_state, 1.0D as probability
    from (select touch as scenario from touches union all select 'none' as scenario) as scenarios
    cross join (select 'conversion' as state union all select 'null' as state) as absorbing

),

power_0 as (

    select scenario, from_state, to_state, sum(probability) as probability
    from scenario_matrix
    group by scenario, from_state, to_state

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

    select scenario, probability
    from power_{{ var('markov_squarings') }}
    where from_state = 'start' and to_state = 'conversion'

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
