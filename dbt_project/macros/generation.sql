{#- The Chinese generation label of a birth year (00后 = born 2000-2009 → post_00). -#}
{% macro generation(birth_year) -%}
    case
        when {{ birth_year }} is null then null
        when {{ birth_year }} >= 2010 then 'post_10'
        when {{ birth_year }} >= 2000 then 'post_00'
        when {{ birth_year }} >= 1995 then 'post_95'
        when {{ birth_year }} >= 1990 then 'post_90'
        when {{ birth_year }} >= 1980 then 'post_80'
        when {{ birth_year }} >= 1970 then 'post_70'
        else 'pre_70'
    end
{%- endmacro %}
