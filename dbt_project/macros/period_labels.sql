{#- Vietnamese period labels as the province's reports print them. -#}
{% macro roman_quarter(quarter_expr) -%}
    (array['I', 'II', 'III', 'IV'])[{{ quarter_expr }}]
{%- endmacro %}

{#- "Tháng 3/2026" for the month holding a date. -#}
{% macro month_label_vi(date_expr) -%}
    'Tháng ' || extract(month from {{ date_expr }}) || '/' || extract(year from {{ date_expr }})
{%- endmacro %}
