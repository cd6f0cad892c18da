{#- Origin "feed": what the source feeds say for every figure another origin states (same indicator, scope
    and window), computed from the current batches: a flow summed over its window, only where batches cover
    every day of it; a stock at its date (fact_indicator_stock); a rate from its summed counts. Plus
    the daily series of every stock that must never fall (indicator_identities relation never_decreases). -#}
{{ config(materialized='table') }}  -- read by the rules and five tests: computed once

with

catalogue as (

    select indicator_code, kind, aggregation, numerator_code, denominator_code from {{ ref('indicators') }}

),

stated as (

    {% for origin_model in var('figure_origin_models') if origin_model != model.name %}
    select indicator_code, scope_level, window_type, window_start, window_end from {{ ref(origin_model) }}
    {{ "union" if not loop.last }}
    {% endfor %}

),

requested_rates as (

    select distinct stated.indicator_code, stated.scope_level, stated.window_start, stated.window_end,
           catalogue.numerator_code, catalogue.denominator_code
    from stated
    inner join catalogue on catalogue.indicator_code = stated.indicator_code
    where catalogue.kind = 'rate' and catalogue.aggregation = 'ratio'

),

requested_counts as (

    select distinct
        counts.indicator_code,
        counts.scope_level,
        case when catalogue.aggregation = 'snapshot' then counts.window_end else counts.window_start end
            as window_start,
        counts.window_end,
        catalogue.aggregation
    from (
        select indicator_code, scope_level, window_start, window_end from stated
        union all
        select numerator_code, scope_level, window_start, window_end from requested_rates
        union all
        select denominator_code, scope_level, window_start, window_end from requested_rates
    ) as counts
    inner join catalogue on catalogue.indicator_code = counts.indicator_code
    where catalogue.kind = 'count' and catalogue.aggregation in ('sum', 'snapshot')
      and counts.window_end is not null

),

requested_days as materialized (

    -- the days of each indicator that a requested window covers: only those rows of the fact are read (its index
    -- on indicator_code, report_date), so the night reads what the published windows need, not all history
    select distinct requested.indicator_code, window_day::date as report_date
    from requested_counts as requested
    cross join lateral generate_series(requested.window_start, requested.window_end, interval '1 day') as window_day
    where requested.aggregation = 'sum' and requested.window_start <= requested.window_end

),

flows as (

    select values_unpivoted.*, agencies.level as agency_level
    from requested_days
    inner join {{ ref('fact_indicator_value') }} as values_unpivoted
        on values_unpivoted.indicator_code = requested_days.indicator_code
        and values_unpivoted.report_date = requested_days.report_date
    inner join {{ ref('agencies') }} as agencies on agencies.agency_code = values_unpivoted.agency_code

),

flows_daily as materialized (

    select indicator_code, agency_level as scope_level, report_date, sum(value) as value,
           bool_or(is_synthetic) as is_synthetic
    from flows
    group by indicator_code, agency_level, report_date
    union all
    select indicator_code, 'province_total' as scope_level, report_date, sum(value) as value,
           bool_or(is_synthetic) as is_synthetic
    from flows
    group by indicator_code, report_date

),

flow_batches as (

    -- the batches behind each flow indicator: a window is covered when batches lying inside it fill every day
    select distinct indicators_of_batches.indicator_code, batches.source_name || '.' || batches.source_entity as feed,
           batches.period_start, batches.period_end
    from (select distinct indicator_code, batch_id from flows) as indicators_of_batches
    inner join {{ ref('stg_raw__load_batch') }} as batches on batches.batch_id = indicators_of_batches.batch_id

),

flow_sums as (

    select
        requested.indicator_code,
        requested.scope_level,
        requested.window_start,
        requested.window_end,
        sum(daily.value) as value,
        coalesce(bool_or(daily.is_synthetic), false) as is_synthetic
    from requested_counts as requested
    left join flows_daily as daily
        on daily.indicator_code = requested.indicator_code and daily.scope_level = requested.scope_level
        and daily.report_date between requested.window_start and requested.window_end
    where requested.aggregation = 'sum' and requested.window_start <= requested.window_end
    group by requested.indicator_code, requested.scope_level, requested.window_start, requested.window_end

),

flow_coverage as (

    select
        requested.indicator_code,
        requested.window_start,
        requested.window_end,
        coalesce(sum(b.period_end - b.period_start + 1), 0) as days_covered,
        string_agg(distinct b.feed, ', ') as feeds
    from (select distinct indicator_code, window_start, window_end from flow_sums) as requested
    left join flow_batches as b
        on b.indicator_code = requested.indicator_code
        and b.period_start >= requested.window_start and b.period_end <= requested.window_end
    group by requested.indicator_code, requested.window_start, requested.window_end

),

flow_figures as (

    select
        sums.indicator_code,
        sums.scope_level,
        'period' as window_type,
        sums.window_start,
        sums.window_end,
        sums.value,
        coverage.feeds,
        sums.is_synthetic,
        coverage.days_covered
    from flow_sums as sums
    inner join flow_coverage as coverage
        on coverage.indicator_code = sums.indicator_code
        and coverage.window_start = sums.window_start and coverage.window_end = sums.window_end

),

covered_flows as (

    select indicator_code, scope_level, window_type, window_start, window_end, coalesce(value, 0) as value,
           'feed ' || feeds || ' (' || days_covered || ' ngày / days)' as source_ref, is_synthetic
    from flow_figures
    where days_covered > 0 and days_covered = window_end - window_start + 1

),

stocks as (

    select * from {{ ref('fact_indicator_stock') }}

),

stock_figures as (

    select
        requested.indicator_code,
        requested.scope_level,
        'snapshot' as window_type,
        requested.window_end as window_start,
        requested.window_end,
        stocks.value,
        'feed ' || stocks.feed || case when stocks.as_of_date <> requested.window_end
            then ' (số tồn cuối tháng / month-end stock ' || stocks.as_of_date || ')' else '' end as source_ref,
        stocks.is_synthetic
    from requested_counts as requested
    inner join stocks
        on stocks.indicator_code = requested.indicator_code
        and stocks.scope_level = requested.scope_level
        and requested.window_end between stocks.as_of_date and stocks.valid_until
    where requested.aggregation = 'snapshot'

),

monotone_series as (

    -- every day (or month end) of each stock that must never fall, province-wide
    select stocks.indicator_code, stocks.scope_level, 'snapshot' as window_type, stocks.as_of_date as window_start,
           stocks.as_of_date as window_end, stocks.value, 'feed ' || stocks.feed as source_ref, stocks.is_synthetic
    from stocks
    inner join {{ ref('indicator_identities') }} as identities
        on identities.relation = 'never_decreases' and identities.total_code = stocks.indicator_code
    where stocks.scope_level = 'province_total'

),

counts as (

    select * from covered_flows
    union
    select * from stock_figures
    union
    select * from monotone_series

),

rate_figures as (

    select
        rates.indicator_code,
        rates.scope_level,
        num.window_type,
        num.window_start,
        num.window_end,
        round(100.0 * num.value / nullif(den.value, 0), 4) as value,
        num.source_ref,
        num.is_synthetic or den.is_synthetic as is_synthetic
    from requested_rates as rates
    inner join counts as num
        on num.indicator_code = rates.numerator_code and num.scope_level = rates.scope_level
        and num.window_end = rates.window_end
        and (num.window_type = 'snapshot' or num.window_start = rates.window_start)
    inner join counts as den
        on den.indicator_code = rates.denominator_code and den.scope_level = rates.scope_level
        and den.window_end = rates.window_end
        and (den.window_type = 'snapshot' or den.window_start = rates.window_start)
    where den.value <> 0

),

feed_figures as (

    select * from counts
    union all
    select * from rate_figures

),

shaped as (

    select
        ---------- ids
        concat_ws(':', 'feed', indicator_code, scope_level, window_type, window_start, window_end) as figure_id,
        'feed' as origin,
        'feed' as statement_key,
        ---------- figure key
        indicator_code,
        scope_level,
        '' as dimension,
        '' as provider_name,
        window_type,
        window_start,
        window_end,
        window_end as as_of_date,
        ---------- values
        value,
        value::text as value_raw,
        '=' as comparator,
        4 as printed_decimals,
        false as is_start_assumed,
        ---------- lineage
        source_ref,
        null::text as quote,
        null::text as file_name,
        null::text as sheet,
        null::text as cell,
        null::uuid as batch_id,
        null::text as window_text,
        null::text as title_text,
        null::date as title_window_end,
        is_synthetic
    from feed_figures

)

select * from shaped
