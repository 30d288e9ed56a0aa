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

{% macro welch_margin_95(var_a, n_a, var_b, n_b) -%}
    {#- Half-width of the 95 % interval of a difference of two means (Welch): Student's t at the
        Welch-Satterthwaite degrees of freedom (Cornish-Fisher expansion of its 0.975 quantile, within 1 %
        from 5 degrees of freedom) times the standard error. A few dozen held-out members make 1.96 too
        narrow. -#}
    {%- set a = "(" ~ var_a ~ " / " ~ n_a ~ ")" -%}
    {%- set b = "(" ~ var_b ~ " / " ~ n_b ~ ")" -%}
    {%- set df = "try_divide(pow(" ~ a ~ " + " ~ b ~ ", 2), pow(" ~ a ~ ", 2) / greatest(" ~ n_a ~ " - 1, 1) + pow("
                 ~ b ~ ", 2) / greatest(" ~ n_b ~ " - 1, 1))" -%}
    (1.959964 + (pow(1.959964, 3) + 1.959964) / (4 * coalesce({{ df }}, 1e9))
        + (5 * pow(1.959964, 5) + 16 * pow(1.959964, 3) + 3 * 1.959964) / (96 * pow(coalesce({{ df }}, 1e9), 2)))
    * sqrt({{ a }} + {{ b }})
{%- endmacro %}
