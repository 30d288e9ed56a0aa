{#- The marketing metrics, each defined once: every mart that reports one calls its macro (definitions
    and units in macros/_marketing_metrics.yml). A ratio over nothing is null, never a division error. -#}

{% macro ctr(clicks, impressions) -%}
    try_divide(cast({{ clicks }} as double), {{ impressions }})
{%- endmacro %}

{% macro roas(attributed_gmv, spend) -%}
    try_divide(cast({{ attributed_gmv }} as double), {{ spend }})
{%- endmacro %}

{% macro gross_margin_roi(attributed_gross_margin, spend) -%}
    try_divide(cast({{ attributed_gross_margin }} - {{ spend }} as double), {{ spend }})
{%- endmacro %}

{% macro cac(spend, new_customers) -%}
    try_divide(cast({{ spend }} as double), {{ new_customers }})
{%- endmacro %}

{% macro conversion_rate(paid_orders, visitors) -%}
    try_divide(cast(coalesce({{ paid_orders }}, 0) as double), {{ visitors }})
{%- endmacro %}

{% macro aov(gmv, paid_orders) -%}
    try_divide(cast({{ gmv }} as double), {{ paid_orders }})
{%- endmacro %}

{% macro ltv_to_cac(ltv, cac) -%}
    try_divide(cast({{ ltv }} as double), {{ cac }})
{%- endmacro %}
