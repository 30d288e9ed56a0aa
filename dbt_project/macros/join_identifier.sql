{#-
    `left join` the identity map (relation `identifiers`) as `alias` on an identifier of one type:
    how every model finds the customer behind an account, a phone, a device or a visitor id.
    `when` narrows the join (e.g. a guest's phone only when the order has no account).
-#}
{% macro join_identifier(alias, identifier_type, column, when=none) -%}
    left join identifiers as {{ alias }}
        on {% if when %}{{ when }} and {% endif -%}
        {{ alias }}.identifier_type = '{{ identifier_type }}' and {{ alias }}.identifier = {{ column }}
{%- endmacro %}
