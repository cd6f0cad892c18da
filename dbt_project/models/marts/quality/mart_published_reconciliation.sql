{#- Every figure the province published beside what the warehouse computes for the same indicator, scope
    and window, with the consistency findings that involve it. The warehouse side is filled only where the
    warehouse holds every day of the window; synthetic (simulator) data is labelled as such. -#}
with

figures as (

    select * from {{ ref('int_published__figures') }}

),

indicators as (

    select indicator_code, name_vi, name_en from {{ ref('dim_indicator') }}

),

findings as (

    select * from {{ ref('int_published__checks') }}

),

daily as (

    select
        facts.indicator_code,
        agencies.agency_level,
        facts.report_date,
        sum(facts.value) as value,
        bool_or(facts.is_synthetic) as is_synthetic
    from {{ ref('fact_indicator_value') }} as facts
    inner join {{ ref('dim_agency') }} as agencies
        on facts.agency_code = agencies.agency_code and agencies.is_current
    group by facts.indicator_code, agencies.agency_level, facts.report_date

),

windowed as (

    select
        figures.figure_id,
        daily.indicator_code,
        sum(daily.value) as value,
        count(distinct daily.report_date) as days_covered,
        bool_or(daily.is_synthetic) as is_synthetic
    from figures
    inner join daily
        on daily.report_date between figures.window_start and figures.window_end
        and (figures.scope_level = 'province_total' or daily.agency_level = figures.scope_level)
        and daily.indicator_code in (figures.indicator_code, figures.numerator_code, figures.denominator_code)
    where figures.window_start is not null and figures.window_end is not null
    group by figures.figure_id, daily.indicator_code

),

computed as (

    select
        figures.figure_id,
        (figures.window_end - figures.window_start + 1) as window_days,
        case
            when figures.indicator_kind = 'count' and figures.aggregation = 'sum'
                then own.value
            when figures.indicator_kind = 'rate'
                then round(100.0 * num.value / nullif(den.value, 0), 2)
        end as warehouse_value,
        case
            when figures.indicator_kind = 'rate' then least(num.days_covered, den.days_covered)
            else own.days_covered
        end as days_covered,
        coalesce(own.is_synthetic, num.is_synthetic, den.is_synthetic) as is_synthetic
    from figures
    left join windowed as own
        on own.figure_id = figures.figure_id and own.indicator_code = figures.indicator_code
    left join windowed as num
        on num.figure_id = figures.figure_id and num.indicator_code = figures.numerator_code
    left join windowed as den
        on den.figure_id = figures.figure_id and den.indicator_code = figures.denominator_code

),

figure_findings as (

    select
        figures.figure_id,
        count(findings.finding_id) as finding_count,
        string_agg(distinct findings.rule_code, ', ') as finding_rules
    from figures
    left join findings on findings.figure_ids ~ ('(^|[,+-])' || figures.figure_id || '([,+-]|$)')
    group by figures.figure_id

),

final as (

    select
        figures.figure_id,
        figures.indicator_code,
        indicators.name_vi as indicator_name_vi,
        indicators.name_en as indicator_name_en,
        figures.scope_level,
        figures.agency_name,
        figures.dimension,
        figures.period_type,
        figures.window_start,
        figures.window_end,
        figures.is_start_assumed,
        figures.comparator,
        figures.value as published_value,
        figures.value_raw as published_text,
        figures.unit,
        figures.source_ref,
        figures.quote,
        case when computed.days_covered = computed.window_days then computed.warehouse_value end
            as warehouse_value,
        coalesce(computed.days_covered, 0)::integer as warehouse_days_covered,
        computed.window_days::integer as window_days,
        case when computed.days_covered = computed.window_days
            then computed.warehouse_value - figures.value end as difference,
        coalesce(computed.is_synthetic, false) as warehouse_is_synthetic,
        figure_findings.finding_count::integer as finding_count,
        figure_findings.finding_rules,
        figure_findings.finding_count > 0 as has_inconsistency
    from figures
    inner join indicators on figures.indicator_code = indicators.indicator_code
    inner join computed on computed.figure_id = figures.figure_id
    inner join figure_findings on figure_findings.figure_id = figures.figure_id

)

select * from final
