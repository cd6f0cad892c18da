{#- Layers live in fixed schemas (staging, intermediate, marts, seeds) so roles can be granted per layer;
    models without a custom schema fall back to the target schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
