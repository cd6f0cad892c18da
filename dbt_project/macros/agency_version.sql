{#- Type-2 join condition: the version of the agency (dim_agency) valid on the figure's date. -#}
{% macro agency_version_valid_on(versions, agency_code, on_date) -%}
    {{ versions }}.agency_code = {{ agency_code }}
    and {{ on_date }} >= {{ versions }}.valid_from
    and {{ on_date }} <= coalesce({{ versions }}.valid_to, '9999-12-31'::date)
{%- endmacro %}
