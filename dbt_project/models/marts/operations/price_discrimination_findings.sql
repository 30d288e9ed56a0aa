{#- One row per hour in which one segment of buyers paid more for the same SKUs than the rest (大数据杀熟):
    of the hour's marked-up lines (int_pricing__order_lines: paid a higher multiple of the list price than
    most of their channel's lines that hour), the segment of one kind (city tier or member level) that holds at
    least `price_audit_min_evidence_share` of them and, of the segments that do, the one whose own lines
    were most often marked up (the narrowest explanation). The evidence is in
    price_discrimination_evidence. -#}
{%- set kinds = var('price_audit_segment_kinds') %}
with

lines as (

    select * from {{ ref('int_pricing__order_lines') }}

),

hours as (

    select order_date, order_hour, count_if(is_marked_up) as hour_evidence_lines
    from lines
    group by order_date, order_hour
    having count_if(is_marked_up) >= {{ var('price_audit_min_lines') }}

),

segments as (

    select
        order_date,
        order_hour,
        segment_kind,
        segment,
        count(*) as segment_lines,
        count_if(is_marked_up) as evidence_lines,
        avg(unit_price_fen / reference_price_fen - 1) filter (where is_marked_up) as average_markup

    from lines
    {{ each_kind(kinds, 'segment_kind', 'segment') }}
    where segment is not null
    group by order_date, order_hour, segment_kind, segment

),

candidates as (

    select
        segments.*,
        hours.hour_evidence_lines,
        segments.evidence_lines / segments.segment_lines as marked_up_share,
        segments.evidence_lines / hours.hour_evidence_lines as evidence_share

    from segments
    inner join hours on hours.order_date = segments.order_date and hours.order_hour = segments.order_hour
    where segments.evidence_lines >= {{ var('price_audit_min_evidence_share') }} * hours.hour_evidence_lines

),

ranked as (

    select
        *,
        row_number() over (
            partition by order_date, order_hour order by marked_up_share desc, segment_kind, segment
        ) as explanation_rank

    from candidates

),

final as (

    select
        order_date,
        order_hour,
        segment_kind,
        segment,
        segment_lines,
        evidence_lines,
        hour_evidence_lines,
        marked_up_share,
        evidence_share,
        average_markup

    from ranked
    where explanation_rank = 1

)

select * from final
