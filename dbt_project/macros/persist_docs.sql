{#- persist_docs (dbt_project.yml: relation and columns) that comments only what differs from the comment the
    relation already has in PostgreSQL (pg_description), in one statement. A seed, snapshot or incremental model
    kept from the night before gets none; a table or view dbt rebuilt is a new object without comments, and gets
    them all, as BI users read them. One catalogue query per relation replaces dbt's two of information_schema. -#}
{% macro postgres__persist_docs(relation, model, for_relation, for_columns) -%}
    {%- set current = chiso_current_comments(relation) -%}
    {%- set statements = [] -%}
    {%- if for_relation and config.persist_relation_docs() and model.description
        and current.relation != model.description -%}
        {%- do statements.append(alter_relation_comment(relation, model.description)) -%}
    {%- endif -%}
    {%- if for_columns and config.persist_column_docs() and model.columns -%}
        {%- do statements.append(chiso_changed_column_comments(relation, model.columns, current.columns)) -%}
    {%- endif -%}
    {%- set sql = statements | join('\n') -%}
    {%- if sql | trim | length > 0 -%}
        {%- do run_query(sql) -%}
    {%- endif -%}
{%- endmacro %}


{#- The relation's comment and its columns' comments ('' for none), keyed by the column name as stored. -#}
{% macro chiso_current_comments(relation) -%}
    {%- set name = "'" ~ (relation.include(database=false) | string | replace("'", "''")) ~ "'" -%}
    {%- set query -%}
        select
            null as column_name,
            coalesce(obj_description(to_regclass({{ name }}), 'pg_class'), '') as comment
        union all
        select
            attname as column_name,
            coalesce(col_description(attrelid, attnum), '') as comment
        from pg_catalog.pg_attribute
        where attrelid = to_regclass({{ name }}) and attnum > 0 and not attisdropped
    {%- endset -%}
    {%- set found = {'relation': '', 'columns': {}} -%}
    {%- for row in run_query(query) -%}
        {%- if row[0] is none -%}
            {%- do found.update({'relation': row[1]}) -%}
        {%- else -%}
            {%- do found.columns.update({row[0]: row[1]}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}


{#- `comment on column` for each documented column whose description differs from its comment; a documented
    column missing from the relation is warned about, as dbt's persist_docs does. -#}
{% macro chiso_changed_column_comments(relation, columns, current) -%}
    {%- set by_lower = {} -%}
    {%- for stored in current -%}
        {%- do by_lower.update({stored | lower: stored}) -%}
    {%- endfor -%}
    {%- set missing = [] -%}
    {%- for column_name, column in columns.items() -%}
        {%- set stored = column_name if column.quote else by_lower.get(column_name | lower) -%}
        {%- if stored is none or stored not in current -%}
            {%- do missing.append(column_name) -%}
        {%- elif current[stored] != (column.description or '') %}
    comment on column {{ relation }}.{{ adapter.quote(stored) }} is {{ postgres_escape_comment(column.description) }};
        {%- endif -%}
    {%- endfor -%}
    {%- if missing -%}
        {%- do exceptions.warn("In relation " ~ relation.render() ~ ": The following columns are specified in the"
                               ~ " schema but are not present in the database: " ~ missing | join(", ")) -%}
    {%- endif -%}
{%- endmacro %}
