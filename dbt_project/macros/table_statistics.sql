{#- Post-hook of every model (dbt_project.yml): a table dbt just built or changed gets its planner statistics at
    once. A table created by `create table as` has none until autovacuum samples it, so the models reading it in
    the same night were planned blind: at 3 years of history figures__checks took 14,8 s on a fresh figures__all
    and 0,17 s once it was analysed (nested loops chosen for a table assumed tiny). Views have no statistics. -#}
{% macro analyze_built_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}


{#- Post-hook: an index named after the model and its columns, created when missing (a table dbt rebuilds is new
    each night; an incremental one keeps it). For the filters of incremental models and the delete of their
    delete+insert, which would otherwise read the whole table every night. -#}
{% macro ensure_index(columns) -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        create index if not exists {{ this.identifier ~ '__' ~ (columns | join('__')) }}
        on {{ this }} ({{ columns | join(', ') }})
    {%- endif -%}
{%- endmacro %}
