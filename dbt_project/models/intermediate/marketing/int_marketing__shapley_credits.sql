{#- The data-driven model: Shapley values over sets of campaigns, the value of a set being the share of
    journeys exposed to exactly that set that convert (int_marketing__journeys). A campaign's Shapley
    value in a set is its average marginal gain in that rate over every order of joining the others;
    they sum to v(set) - v(no campaign). A converting order with campaigns S gives each c in S the
    credit phi_c(S) / v(S) and `direct` v(no campaign) / v(S): the share of its chance to convert that
    was there without any campaign. A campaign that lowers the rate (phi < 0, mostly noise) gets no
    credit, and the others' are scaled so that the order's credits still sum to 1. A set never seen as a journey's (a subset of a larger one) is valued additively: v(none)
    plus each member's own gain alone (0 for a campaign never seen alone). -#}
with

set_values as (

    select
        campaigns,
        count(*) as journeys,
        count_if(converted) / count(*) as conversion_rate

    from {{ ref('int_marketing__journeys') }}
    group by campaigns

),

baseline as (

    select coalesce(max(case when size(campaigns) = 0 then conversion_rate end), 0.0D) as rate
    from set_values

),

alone as (

    select coalesce(map_from_entries(collect_list(struct(campaigns[0], conversion_rate - baseline.rate))),
                    map()) as gains
    from set_values
    cross join baseline
    where size(campaigns) = 1
    group by baseline.rate

),

order_paths as (

    select paths.order_id, paths.campaigns, orders.order_date, orders.gmv_fen
    from ({{ recent_campaigns(ref('int_marketing__touchpoints'), ['order_id']) }}) as paths
    inner join (
        select distinct order_id, order_date, gmv_fen from {{ ref('int_marketing__touchpoints') }}
    ) as orders on orders.order_id = paths.order_id

),

sets as (

    select distinct campaigns from order_paths

),

-- every coalition T of a set's other campaigns, for each campaign c of the set: T by a bit mask
coalitions as (

    select
        sets.campaigns,
        member.campaign,
        filter(sets.campaigns, (x, j) -> shiftright(mask, j) & 1 = 1) as without_member,
        filter(sets.campaigns, (x, j) -> shiftright(mask, j) & 1 = 1 or j = member.position) as with_member

    from sets
    lateral view posexplode(sets.campaigns) member as position, campaign
    lateral view explode(sequence(0, cast(pow(2, size(sets.campaigns)) as int) - 1)) masks as mask
    where shiftright(mask, member.position) & 1 = 0

),

{%- set value_of = "coalesce(%s.conversion_rate, baseline.rate + aggregate(%s, 0.0D, (acc, x) -> acc + coalesce(alone.gains[x], 0.0D)))" %}

valued as (

    select
        coalitions.campaigns,
        coalitions.campaign,
        factorial(size(coalitions.without_member))
            * factorial(size(coalitions.campaigns) - size(coalitions.without_member) - 1)
            / factorial(size(coalitions.campaigns))
            * ({{ value_of % ('with_value', 'coalitions.with_member') }}
               - {{ value_of % ('without_value', 'coalitions.without_member') }}) as weighted_gain

    from coalitions
    cross join baseline
    cross join alone
    left join set_values as with_value on with_value.campaigns = coalitions.with_member
    left join set_values as without_value on without_value.campaigns = coalitions.without_member

),

shapley as (

    select campaigns, campaign, sum(weighted_gain) as shapley_value
    from valued
    group by campaigns, campaign

),

-- each campaign's Shapley value in the order's set (a negative one counts as none), and what was there
-- without any campaign
shares as (

    select order_paths.order_id, order_paths.order_date, order_paths.gmv_fen, shapley.campaign as touch,
           greatest(shapley.shapley_value, 0.0D) as share
    from order_paths
    inner join shapley on shapley.campaigns = order_paths.campaigns

    union all

    select order_paths.order_id, order_paths.order_date, order_paths.gmv_fen, 'direct' as touch, baseline.rate as share
    from order_paths
    cross join baseline

),

credits as (

    select
        order_id,
        order_date,
        gmv_fen,
        touch,
        case
            when sum(share) over (partition by order_id) > 0 then share / sum(share) over (partition by order_id)
            else if(touch = 'direct', 1.0D, 0.0D)
        end as credit

    from shares

),

final as (

    {{ attribution_credits('credits', "'shapley'") }}

)

select * from final
