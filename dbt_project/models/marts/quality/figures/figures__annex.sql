{#- Origin "annex": every figure of the current annex files (all three templates), keyed by the window its
    column header states (not the report date), with the file, sheet and cell it was read from. A file's
    total row is scope province_total, like the province-wide VNeID figures. -#}
with

annex as (

    select * from {{ ref('int_annex__figures_current') }}

),

shaped as (

    select
        ---------- ids: the figure's place in its template, stable when a corrected file supersedes it
        concat_ws(':', 'annex', annex_code, report_date, section_code, admin_level, indicator_code, time_window,
                  coalesce(window_start::text, ''), window_end) as figure_id,
        'annex' as origin,
        batch_id::text as statement_key,  -- one file
        ---------- figure key
        indicator_code,
        case admin_level when 'total' then 'province_total' else admin_level end as scope_level,
        '' as dimension,
        '' as provider_name,
        time_window as window_type,
        case
            when time_window = 'snapshot' then window_end
            when time_window = 'cumulative' then coalesce(window_start, '{{ var("cumulative_default_start") }}'::date)
            else window_start
        end as window_start,
        window_end,
        report_date as as_of_date,
        ---------- values
        figure_value as value,
        figure_value_raw as value_raw,
        '=' as comparator,
        case
            when figure_value_raw ~ '[.,][0-9]+ *%?$' then length(substring(figure_value_raw from '[.,]([0-9]+) *%?$'))
            else 0
        end as printed_decimals,
        time_window = 'cumulative' and window_start is null as is_start_assumed,
        ---------- lineage
        source_file_name || ' › ' || source_sheet || ' › ' || source_cell as source_ref,
        figure_value_raw as quote,
        source_file_name as file_name,
        source_sheet as sheet,
        source_cell as cell,
        batch_id,
        window_text,
        title_text,
        title_window_end,
        is_synthetic
    from annex

)

select * from shaped
