{#-
    The campaigns of each path as the data-driven model sees them: its distinct campaign touches (not
    `direct`), at most var shapley_max_campaigns of them (the most recent), sorted by id so that a set
    has one spelling; a path of direct touches only has none. `relation` has one row per touch with the
    `group_by` columns, `touch` and `touched_at`.
-#}
{% macro recent_campaigns(relation, group_by) -%}
    {%- set keys = group_by | join(', ') -%}
    select
        {{ keys }},
        array_sort(collect_list(
            case when touch != 'direct' and recency <= {{ var('shapley_max_campaigns') }} then touch end
        )) as campaigns

    from (
        select
            {{ keys }},
            touch,
            row_number() over (
                partition by {{ keys }}, touch = 'direct' order by max(touched_at) desc, touch
            ) as recency

        from {{ relation }}
        group by {{ keys }}, touch
    ) as by_recency
    group by {{ keys }}
{%- endmacro %}
