{#- Per day tickets were opened, the service desk's tickets and NPS by the customer's segment: RFM segment
    and lifecycle stage (int_customers__value, as of the data date). A ticket belongs to the customer of
    its order, contact phone or email (int_customers__service; the hotline resolves to nobody); one
    that resolves to no customer is in segment `unresolved`, a customer without a paid order in
    `prospect` (as in marts.customers), so each kind adds up to the day's tickets. -#}
{%- set kinds = {'rfm': 'rfm_segment', 'lifecycle': 'lifecycle_stage'} %}
with

tickets as (

    select
        tickets.ticket_id,
        tickets.opened_date,
        tickets.nps_score,
        service.customer_key,
        {% for column in kinds.values() %}
        case
            when service.customer_key is null then 'unresolved'
            else coalesce(value.{{ column }}, 'prospect')
        end as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}

    from {{ ref('stg_service__tickets') }} as tickets
    left join {{ ref('int_customers__service') }} as service on service.ticket_id = tickets.ticket_id
    left join {{ ref('int_customers__value') }} as value on value.customer_key = service.customer_key

),

final as (

    select
        opened_date,
        segment_kind,
        segment,
        count(*) as tickets,
        count(distinct customer_key) as customers,
        count(nps_score) as answers,
        {{ nps('nps_score') }} as nps

    from tickets
    {{ each_kind(kinds, 'segment_kind', 'segment') }}
    group by opened_date, segment_kind, segment

)

select * from final
