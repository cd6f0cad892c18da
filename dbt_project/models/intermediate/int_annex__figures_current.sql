{#- Only the current ('loaded') batch of each report date counts: a corrected file supersedes the earlier one,
    whose rows stay in raw for lineage. -#}
with

current_figures as (

    {{ current_batch_rows('stg_annex__figures') }}

),

final as (

    select
        report_date,
        annex_code,
        section_code,
        admin_level,
        indicator_code,
        time_window,
        window_start,
        window_end,
        window_text,
        title_text,
        title_window_start,
        title_window_end,

        figure_value,
        figure_value_raw,

        batch_id,
        is_synthetic,
        loaded_at,
        source_file_name,
        source_sheet,
        source_cell

    from current_figures

)

select * from final
