{#-
    RFM scores 1-5 by quintile among buyers: `score_by_rank(order_expr)` gives 5 to the best fifth.
    Ties share a percent rank, so equal customers get equal scores whatever the row order.
-#}
{% macro quintile_score(better_last) -%}
    least(5, 1 + cast(floor(5 * percent_rank() over (order by {{ better_last }})) as int))
{%- endmacro %}

{#- The RFM segment from the recency and frequency scores (the common 2-D RFM grid). -#}
{% macro rfm_segment(r, f) -%}
    case
        when {{ r }} is null then null
        when {{ r }} >= 4 and {{ f }} >= 4 then 'champions'
        when {{ r }} >= 3 and {{ f }} >= 3 then 'loyal'
        when {{ r }} >= 4 then 'promising'
        when {{ r }} <= 2 and {{ f }} >= 3 then 'at_risk'
        when {{ r }} <= 2 then 'hibernating'
        else 'needs_attention'
    end
{%- endmacro %}
