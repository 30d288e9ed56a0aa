{#- The logarithmic mean L(a, b) = (a - b) / (ln a - ln b), and L(a, a) = a: the weight of the log-mean
    Divisia index, whose factor contributions L(y1, y0) * ln(x1 / x0) add up to y1 - y0 exactly when
    y = the product of the factors x. Null unless both are positive. -#}
{% macro log_mean(a, b) -%}
    case
        when {{ a }} <= 0 or {{ b }} <= 0 then null
        when {{ a }} = {{ b }} then cast({{ a }} as double)
        else ({{ a }} - {{ b }}) / (ln({{ a }}) - ln({{ b }}))
    end
{%- endmacro %}
