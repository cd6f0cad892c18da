{#- Only the current ('loaded') batch of each report date counts: a corrected file supersedes the earlier one,
    whose rows stay in raw for lineage. -#}
with

figures as (

    select * from {{ ref('stg_annex__figures') }}

),

current_batches as (

    select batch_id, is_synthetic, loaded_at
    from {{ ref('stg_raw__load_batch') }}
    where batch_status = 'loaded'

),

current_figures as (

    select
        figures.report_date,
        figures.annex_code,
        figures.section_code,
        figures.admin_level,
        figures.indicator_code,
        figures.time_window,
        figures.window_start,
        figures.window_end,
        figures.window_text,
        figures.title_text,
        figures.title_window_start,
        figures.title_window_end,

        figures.figure_value,
        figures.figure_value_raw,

        figures.batch_id,
        current_batches.is_synthetic,
        current_batches.loaded_at,
        figures.source_file_name,
        figures.source_sheet,
        figures.source_cell

    from figures
    inner join current_batches on figures.batch_id = current_batches.batch_id

)

select * from current_figures
