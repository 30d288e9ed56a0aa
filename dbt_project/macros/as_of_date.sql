{#-
    The data date profiles are computed as of: var `as_of_date` when the caller passes it (a rebuild
    of a past day), else the latest order date in silver. Never now() or current_date(): a rebuild
    of the same data must give the same profiles.
-#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', none) -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        (select max(order_date) from {{ ref('stg_orders__orders') }})
    {%- endif -%}
{%- endmacro %}
