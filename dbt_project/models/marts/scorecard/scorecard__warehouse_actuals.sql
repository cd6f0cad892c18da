{#- Actual values of target indicators that the warehouse can compute: rates whose numerator and denominator
    are additive counts in fact_indicator_value, per calendar year (what the year holds so far), for the
    province and for each agency. Rates come from summed counts (rate_pct).
    Incremental by year: a run rebuilds the years from the earliest day whose rows were loaded since the last run
    (found through the fact's index on loaded_at), so a night recomputes its own year, not all history. A table
    kept from before it was incremental gains loaded_at (empty), so its first run rebuilds every year. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='year_number',
    on_schema_change='append_new_columns',
) }}

with

targets as (

    select distinct indicator_code from {{ ref('targets') }}

),

indicators as (

    select indicator_code, numerator_code, denominator_code
    from {{ ref('dim_indicator') }}
    where numerator_code is not null and denominator_code is not null

),

measurable as (

    select indicators.*
    from indicators
    inner join targets on targets.indicator_code = indicators.indicator_code

),

facts as (

    select
        facts.agency_code,
        facts.report_date,
        extract(year from facts.report_date)::int as year_number,
        facts.indicator_code,
        facts.value,
        facts.is_synthetic,
        facts.loaded_at
    from {{ ref('fact_indicator_value') }} as facts
    where facts.indicator_code in (
        select numerator_code from measurable
        union
        select denominator_code from measurable
    )
    {% if is_incremental() %}
    and facts.report_date >= (
        select date_trunc('year', min(newer.report_date))::date from {{ ref('fact_indicator_value') }} as newer
        where {{ loaded_since_last_run('newer.loaded_at') }}
    )
    {% endif %}

),

pairs as (

    select
        measurable.indicator_code,
        facts.agency_code,
        facts.year_number,
        facts.report_date,
        facts.is_synthetic,
        facts.loaded_at,
        facts.indicator_code = measurable.numerator_code as is_numerator,
        case when facts.indicator_code = measurable.numerator_code then facts.value else 0 end as numerator,
        case when facts.indicator_code = measurable.denominator_code then facts.value else 0 end as denominator
    from measurable
    inner join facts on facts.indicator_code in (measurable.numerator_code, measurable.denominator_code)

),

actuals as (

    -- per agency and for the whole province in one pass (the grouping set without agency_code)
    select
        indicator_code,
        coalesce(agency_code, 'province_total') as scope_code,
        year_number,
        min(report_date) as measured_from,
        max(report_date) as measured_to,
        count(distinct report_date) as days_measured,
        sum(numerator) as numerator_value,
        sum(denominator) as denominator_value,
        {{ rate_pct('numerator', 'denominator') }} as actual_value,
        bool_or(is_synthetic) as is_synthetic,
        max(loaded_at) as loaded_at
    from pairs
    group by grouping sets ((indicator_code, agency_code, year_number), (indicator_code, year_number))
    having bool_or(is_numerator) and bool_or(not is_numerator)  -- both counts must be measured

)

select * from actuals
