{#- The member lists of the audiences operators define in YAML (this model's `meta.audiences`: a name,
    an owner and a rule over `customers`). PIPL: only customers who consented to marketing are members,
    whatever the rule says; a withdrawal takes effect on the next build. -#}
{%- set audiences = config.get('meta', {}).get('audiences', []) %}

with

customers as (

    select * from {{ ref('customers') }}
    where marketing_consent

)

{% for audience in audiences %}
select
    '{{ audience.name }}' as audience,
    customer_key,
    as_of_date

from customers
where {{ audience.rule }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
