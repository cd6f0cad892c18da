{#- Every figure of the current annex files (Phụ lục V, VNeID, chữ ký số) beside what the source feeds give
    for the same indicator, scope and window, and beside the published reports: one row per annex figure. -#}
with

figures as (

    select * from {{ ref('figures__all') }}

),

annex as (

    select * from figures where origin = 'annex' and not is_derived

),

feed as (

    select indicator_code, context_key, value, source_ref, is_synthetic from figures where origin = 'feed'

),

published as (

    select indicator_code, context_key, min(value) as value, string_agg(source_ref, ', ') as source_ref
    from figures
    where origin = 'published' and not is_derived and comparator = '=' and value is not null
    group by indicator_code, context_key

),

feed_disagreements as (

    -- the rule origins_disagree decides whether the feed's value differs from the file's
    select distinct subject_figure_id as figure_id
    from {{ ref('figures__checks') }}
    where rule_code = 'origins_disagree' and origins = 'annex,feed'

),

indicators as (

    select indicator_code, name_vi, unit from {{ ref('dim_indicator') }}

),

final as (

    select
        annex.figure_id,
        split_part(annex.figure_id, ':', 2) as annex_code,
        annex.as_of_date as report_date,
        annex.file_name,
        annex.sheet,
        annex.cell,
        annex.indicator_code,
        indicators.name_vi as indicator_name_vi,
        indicators.unit,
        annex.scope_level,
        annex.window_type,
        annex.window_start,
        annex.window_end,
        annex.window_text,
        annex.value as annex_value,
        annex.value_raw as annex_text,
        feed.value as feed_value,
        feed.source_ref as feed_source_ref,
        coalesce(feed.is_synthetic, false) as feed_is_synthetic,
        feed.value - annex.value as difference,
        published.value as published_value,
        published.source_ref as published_source_ref,
        case
            when annex.value is null then 'not_reported'
            when feed.value is null then 'no_feed'
            when feed_disagreements.figure_id is not null then 'differs'
            else 'matched'
        end as comparison_status
    from annex
    inner join indicators on indicators.indicator_code = annex.indicator_code
    left join feed on feed.indicator_code = annex.indicator_code and feed.context_key = annex.context_key
    left join published
        on published.indicator_code = annex.indicator_code and published.context_key = annex.context_key
    left join feed_disagreements on feed_disagreements.figure_id = annex.figure_id

)

select * from final
