{#- A Spark SQL string literal of any text (backslashes and quotes escaped). -#}
{% macro sql_text(value) -%}
    '{{ (value or "") | replace("\\", "\\\\") | replace("'", "\\'") | replace("\n", " ") }}'
{%- endmacro %}
