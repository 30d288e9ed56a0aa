{#- The Markov chain of the journeys, once as counted (scenario `none`) and once with each touch removed
    (scenario = that touch: every transition into it goes to `null`). Journeys are walks from `start`
    through their touches (campaigns and `direct`) to `conversion` (the path to a converting order) or
    `null` (a customer-day of browsing without one); a transition's probability is its share of the
    transitions out of its state. `conversion` and `null` absorb. -#}
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

)

select scenario, from_state, to_state, sum(probability) as probability
from scenario_matrix
group by scenario, from_state, to_state
