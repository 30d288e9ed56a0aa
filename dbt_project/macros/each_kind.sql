{#- A `lateral view` that repeats each row once per kind of group it belongs to, as (kind, group name):
    grouping by both then rolls a table up by several kinds of group in one pass, each kind adding up to
    the whole. `kinds` maps a kind to its column (a list names columns that are their own kinds); a
    null group is `missing` when given, else stays null for the caller to keep or drop. -#}
{% macro each_kind(kinds, kind_column, group_column, missing=none) -%}
    lateral view explode(map(
        {%- for kind in kinds %}
        {%- set column = kinds[kind] if kinds is mapping else kind %}
        '{{ kind }}',
        {% if missing is none %}cast({{ column }} as string){% else %}coalesce(cast({{ column }} as string), '{{ missing }}'){% endif %}
        {{- ',' if not loop.last }}
        {%- endfor %}
    )) as {{ kind_column }}, {{ group_column }}
{%- endmacro %}
