{#- Published figures typed, with their window ("lũy kế" without a start counts from the merger) and the
    decimals printed; figures__published puts them in the shape every origin shares. -#}
with

figures as (

    select * from {{ ref('published_figures') }}

),

indicators as (

    select indicator_code, kind, numerator_code, denominator_code, aggregation
    from {{ ref('indicators') }}

),

typed as (

    select
        figures.figure_id,
        figures.indicator_code,
        indicators.kind as indicator_kind,
        indicators.aggregation,
        indicators.numerator_code,
        indicators.denominator_code,
        figures.value,
        figures.value_raw,
        coalesce(nullif(figures.comparator, ''), '=') as comparator,
        figures.unit,
        figures.scope_level,
        coalesce(figures.agency_name, '') as agency_name,
        coalesce(figures.dimension, '') as dimension,
        figures.period_type,
        case
            -- a running total that ends before the merger cannot have started with it: its start is unknown
            when figures.period_type = 'cumulative'
                then coalesce(
                    figures.period_start,
                    case when figures.period_end >= '{{ var("cumulative_default_start") }}'::date
                        then '{{ var("cumulative_default_start") }}'::date end
                )
            else figures.period_start
        end as window_start,
        figures.period_end as window_end,
        figures.period_start is null and figures.period_type = 'cumulative' as is_start_assumed,
        case
            when figures.unit = 'percent' and figures.value_raw ~ '[.,][0-9]+ *%?$'
                then length(substring(figures.value_raw from '[.,]([0-9]+) *%?$'))
            else 0
        end as printed_decimals,
        figures.source_ref,
        figures.quote
    from figures
    inner join indicators on figures.indicator_code = indicators.indicator_code

)

select * from typed
