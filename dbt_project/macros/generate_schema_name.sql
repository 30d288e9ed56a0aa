{#-
    Layer folders map to databases of the same name (staging, marts), not <target>_<layer>.
    Write-audit-publish: with var `wap` on (the default), a model of a published layer
    (var `wap_schemas`) is built into `<layer>_candidate`, where dbt tests and the quality
    gate check it; only the platform's publish step (orchestration/marts.py) copies a
    checked candidate into `<layer>` in one Delta commit. `--vars '{wap: false}'` builds in place.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set schema = custom_schema_name | trim if custom_schema_name is not none else target.schema -%}
    {%- if var('wap') and schema in var('wap_schemas') -%}
        {{ schema }}_candidate
    {%- else -%}
        {{ schema }}
    {%- endif -%}
{%- endmacro %}
