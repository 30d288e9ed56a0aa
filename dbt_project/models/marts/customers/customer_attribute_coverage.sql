{#- The share of customers with a value, per attribute of `customers`, measured on every build. The
    attribute list, definitions, owners and units come from the customers model's YAML, so a new
    documented attribute is measured without touching this model. -#}
{%- set attributes = [] -%}
{%- if execute -%}
    {%- set customers_node = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', 'customers') | first -%}
    {%- set attributes = customers_node.columns.values() | list -%}
{%- endif %}

with

customers as (

    select * from {{ ref('customers') }}

)

{% for attribute in attributes %}
select
    '{{ attribute.name }}' as attribute,
    {{ sql_text(attribute.description | trim) }} as definition,
    {{ sql_text(attribute.config.meta.owner) }} as owner,
    {{ sql_text(attribute.config.meta.unit) }} as unit,
    max(as_of_date) as as_of_date,
    count(*) as customers,
    count({{ attribute.name }}) as customers_with_value,
    coalesce(try_divide(count({{ attribute.name }}), count(*)), 0d) as coverage

from customers
{% if not loop.last %}union all{% endif %}
{% endfor %}
