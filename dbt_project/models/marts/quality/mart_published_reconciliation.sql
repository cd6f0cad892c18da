{#- Every figure the province published beside what the feeds give for the same indicator, scope and window
    (figures__all, origin feed: only where the feeds cover the whole window), with its one status:
      differs         the feeds give another value (both values shown)
      matched         the feeds give the same value (printed truncation and rounding of rates accepted)
      inconsistent    not computable, and the reports contradict themselves on it (which rules)
      not_computable  why the warehouse cannot compute it
    Synthetic (simulator) data is labelled as such. -#}
with

figures as (

    select * from {{ ref('int_published__figures') }}

),

published as (

    select figure_id, context_key
    from {{ ref('figures__all') }}
    where origin = 'published' and not is_derived

),

feed as (

    select figure_id, indicator_code, context_key, value, source_ref, is_synthetic
    from {{ ref('figures__all') }}
    where origin = 'feed'

),

indicators as (

    select indicator_code, name_vi, name_en, kind, aggregation, numerator_code, denominator_code
    from {{ ref('indicators') }}

),

findings as (

    select * from {{ ref('figures__checks') }}

),

fed_indicators as (

    -- what the feeds can compute at all: their counts, and the rates of two of them (a probe of the fact's
    -- index per catalogue indicator, rather than a scan of every row of history)
    select indicators.indicator_code from {{ ref('indicators') }} as indicators
    where exists (
        select 1 from {{ ref('fact_indicator_value') }} as facts where facts.indicator_code = indicators.indicator_code
    )
    union
    select distinct indicator_code from {{ ref('fact_indicator_stock') }}

),

computable_indicators as (

    select indicator_code from fed_indicators
    union
    select rates.indicator_code
    from indicators as rates
    inner join fed_indicators as num on num.indicator_code = rates.numerator_code
    inner join fed_indicators as den on den.indicator_code = rates.denominator_code
    where rates.aggregation = 'ratio'

),

feed_span as (

    select min(period_start) as first_day, max(period_end) as last_day
    from {{ ref('stg_raw__load_batch') }}
    where batch_status = 'loaded' and source_name <> 'annex'

),

feed_disagreements as (

    -- the rule origins_disagree decides whether the feed's value differs from the printed one
    select distinct subject_figure_id as figure_id
    from findings
    where rule_code = 'origins_disagree' and origins = 'feed,published'

),

figure_findings as (

    -- the rules a figure breaks among the reports themselves (origins_disagree with a feed is "differs")
    select
        figures.figure_id,
        count(findings.finding_id) as finding_count,
        string_agg(distinct findings.rule_code, ', ') as finding_rules
    from figures
    left join findings
        on findings.origins = 'published'
        and findings.figure_ids ~ ('(^|[,+-])' || figures.figure_id || '([,+-]|$)')
    group by figures.figure_id

),

compared as (

    select
        figures.*,
        feed.value as warehouse_value,
        feed.source_ref as warehouse_source_ref,
        coalesce(feed.is_synthetic, false) as warehouse_is_synthetic,
        feed_disagreements.figure_id is not null as is_different,
        figure_findings.finding_count,
        figure_findings.finding_rules
    from figures
    left join published on published.figure_id = figures.figure_id
    left join feed
        on feed.indicator_code = figures.indicator_code and feed.context_key = published.context_key
    left join feed_disagreements on feed_disagreements.figure_id = figures.figure_id
    inner join figure_findings on figure_findings.figure_id = figures.figure_id

),

final as (

    select
        compared.figure_id,
        compared.indicator_code,
        indicators.name_vi as indicator_name_vi,
        indicators.name_en as indicator_name_en,
        compared.scope_level,
        compared.agency_name,
        compared.dimension,
        compared.period_type,
        compared.window_start,
        compared.window_end,
        compared.is_start_assumed,
        compared.comparator,
        compared.value as published_value,
        compared.value_raw as published_text,
        compared.unit,
        compared.source_ref,
        compared.quote,
        compared.warehouse_value,
        compared.warehouse_source_ref,
        compared.warehouse_value - compared.value as difference,
        compared.warehouse_is_synthetic,
        case
            when compared.is_different then 'differs'
            when compared.warehouse_value is not null then 'matched'
            when compared.finding_count > 0 then 'inconsistent'
            else 'not_computable'
        end as status,
        case
            when compared.is_different
                then 'Kho tính được ' || compared.warehouse_value || ', báo cáo ghi ' || compared.value_raw
            when compared.warehouse_value is not null then 'Khớp với số kho tính được'
            when compared.finding_count > 0 then 'Mâu thuẫn trong báo cáo: ' || compared.finding_rules
            when compared.value is null
                then 'Báo cáo không ghi giá trị (' || coalesce(compared.value_raw, 'trống') || ')'
            when indicators.kind <> 'rate' and indicators.kind <> 'count'
                then 'Chỉ tiêu/chỉ số loại ' || indicators.kind || ', không tính từ số đếm'
            when indicators.kind = 'rate' and indicators.aggregation <> 'ratio'
                then 'Tỷ lệ không có tử số và mẫu số trong danh mục chỉ số'
            when compared.indicator_code not in (select indicator_code from computable_indicators)
                then 'Kho chưa có nguồn dữ liệu cho chỉ số này'
            when compared.dimension <> ''
                and compared.dimension !~ '^({{ var("dimensions_encoded_in_indicator") | join("|") }})='
                then 'Nguồn không có phân tổ ' || compared.dimension
            when compared.period_type = 'snapshot' or indicators.aggregation = 'snapshot'
                then 'Nguồn không có số tồn ở phạm vi ' || compared.scope_level || ' tại ngày '
                    || coalesce(to_char(compared.window_end, 'DD/MM/YYYY'), '?') || ' (kho có '
                    || coalesce(to_char(feed_span.first_day, 'DD/MM/YYYY'), '?') || '–'
                    || coalesce(to_char(feed_span.last_day, 'DD/MM/YYYY'), '?') || ')'
            else 'Nguồn không có đủ mọi ngày của kỳ ' || coalesce(to_char(compared.window_start, 'DD/MM/YYYY'), '?')
                || '–' || coalesce(to_char(compared.window_end, 'DD/MM/YYYY'), '?') || ' (kho có '
                || coalesce(to_char(feed_span.first_day, 'DD/MM/YYYY'), '?') || '–'
                || coalesce(to_char(feed_span.last_day, 'DD/MM/YYYY'), '?') || ')'
        end as status_reason_vi,
        compared.finding_count::integer as finding_count,
        compared.finding_rules,
        compared.finding_count > 0 as has_inconsistency
    from compared
    inner join indicators on compared.indicator_code = indicators.indicator_code
    cross join feed_span

)

select * from final
