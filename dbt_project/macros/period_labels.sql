{#- Vietnamese period labels as the province's reports print them. -#}
{% macro roman_quarter(quarter_expr) -%}
    (array['I', 'II', 'III', 'IV'])[{{ quarter_expr }}]
{%- endmacro %}
