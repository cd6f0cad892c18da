{#- raw.annex_figures is created by the first dropped file (or extract.filedrop.ensure_annex_table). On a fresh
    warehouse this model is an empty, typed relation instead of failing the whole build. -#}
{%- set raw_figures = source('annex', 'figures') -%}
{%- set landed = adapter.get_relation(database=raw_figures.database, schema=raw_figures.schema,
                                      identifier=raw_figures.identifier) if execute else raw_figures -%}

with

source as (

    {% if landed is not none -%}
    select * from {{ raw_figures }}
    {%- else -%}
    select
        null::uuid as batch_id, null::date as report_date, null::text as annex, null::text as section,
        null::text as level, null::text as measure, null::text as "window", null::numeric as value,
        null::text as value_raw, null::text as file_name, null::text as sheet, null::text as cell,
        null::date as window_start, null::date as window_end, null::text as window_text, null::text as title_text,
        null::date as title_window_start, null::date as title_window_end
    where false
    {%- endif %}

),

renamed as (

    select
        ---------- ids
        batch_id,

        ---------- dates
        report_date,

        ---------- figure key
        annex as annex_code,
        section as section_code,
        level as admin_level,
        measure as indicator_code,
        "window" as time_window,

        ---------- window as the file states it
        window_start,
        window_end,
        window_text,
        title_text,
        title_window_start,
        title_window_end,

        ---------- values
        value::numeric as figure_value,
        value_raw as figure_value_raw,

        ---------- lineage
        file_name as source_file_name,
        sheet as source_sheet,
        cell as source_cell

    from source

)

select * from renamed
