{#- The order lines behind each price-discrimination finding: the finding's segment's marked-up lines of
    that hour, each with the price paid and the reference (the list price at the channel's multiple). -#}
{%- set kinds = var('price_audit_segment_kinds') %}
with

findings as (

    select * from {{ ref('price_discrimination_findings') }}

),

lines as (

    select * from {{ ref('int_pricing__order_lines') }}
    where is_marked_up

),

final as (

    select
        findings.order_date,
        findings.order_hour,
        findings.segment_kind,
        findings.segment,
        lines.order_id,
        lines.sku_id,
        lines.channel,
        lines.unit_price_fen,
        lines.reference_price_fen,
        lines.unit_price_fen / lines.reference_price_fen - 1 as markup

    from findings
    inner join lines
        on lines.order_date = findings.order_date
        and lines.order_hour = findings.order_hour
        and case findings.segment_kind
            {% for kind in kinds %}when '{{ kind }}' then lines.{{ kind }} {% endfor %}
        end = findings.segment

)

select * from final
