{#- Origin "records": what the dossier records add up to, for every flow figure the published reports and the
    annexes state over whole months (Q1/2026, H2/2025, a month) and for every month the records cover, per scope.
    Summed from mart_tthc_dossier_agency_month, only for windows the dossier sync covers from their first day.
    The feed origin computes the same windows, so the checks set the records against the daily feed, the annexes
    and the published figures (the records rank last: they are checked against all three). -#}
{{ config(materialized='table') }}

with

levels as (

    -- the mart's counts summed per month and agency level first (a few rows a month), then unpivoted: unpivoting
    -- every agency × field row first made 20 rows of each, 1,1 M at 3 years of history
    select
        month_start,
        agency_level,
        sum(received_count) as received_count,
        sum(received_online_count) as received_online_count,
        sum(received_in_person_count + received_postal_count) as received_direct_other_count,
        sum(resolved_count) as resolved_count,
        sum(resolved_early_count) as resolved_early_count,
        sum(resolved_on_time_count) as resolved_on_time_count,
        sum(resolved_in_time_count) as resolved_in_time_count,
        sum(resolved_overdue_count) as resolved_overdue_count,
        sum(fee_dossier_count) as fee_dossier_count,
        sum(online_payment_count) as online_payment_count,
        bool_or(is_synthetic) as is_synthetic
    from {{ ref('mart_tthc_dossier_agency_month') }}
    group by month_start, agency_level

),

monthly as (

    select
        levels.month_start,
        scopes.scope_level,
        measure_values.indicator_code,
        sum(measure_values.value) as value,
        bool_or(levels.is_synthetic) as is_synthetic
    from levels
    cross join lateral (values (levels.agency_level), ('province_total')) as scopes (scope_level)
    -- the catalogue indicator each count of the dossier mart states (those of fact_tthc_dossier_daily)
    cross join lateral (values
        ('dossier_received_count', levels.received_count),
        ('dossier_online_count', levels.received_online_count),
        ('dossier_direct_other_count', levels.received_direct_other_count),
        ('dossier_resolved_count', levels.resolved_count),
        ('dossier_resolved_early_count', levels.resolved_early_count),
        ('dossier_resolved_on_deadline_count', levels.resolved_on_time_count),
        ('dossier_resolved_ontime_count', levels.resolved_in_time_count),
        ('dossier_resolved_overdue_count', levels.resolved_overdue_count),
        ('dossier_fin_obligation_count', levels.fee_dossier_count),
        ('online_payment_transaction_count', levels.online_payment_count)
    ) as measure_values (indicator_code, value)
    group by levels.month_start, scopes.scope_level, measure_values.indicator_code

),

coverage as (

    select min(period_start) as first_day, max(period_end) as last_day
    from {{ ref('stg_raw__load_batch') }}
    where source_name = 'tthc_dossier' and batch_status = 'loaded'

),

stated as (

    select distinct indicator_code, scope_level, window_start, window_end from {{ ref('figures__published') }}
    union
    select distinct indicator_code, scope_level, window_start, window_end from {{ ref('figures__annex') }}

),

windows as (

    select stated.indicator_code, stated.scope_level, stated.window_start, stated.window_end
    from stated
    where
        stated.indicator_code in (select monthly.indicator_code from monthly)
        and
        stated.window_start = date_trunc('month', stated.window_start)::date
        and stated.window_end = (date_trunc('month', stated.window_end) + interval '1 month - 1 day')::date
    union
    select indicator_code, scope_level, month_start, (month_start + interval '1 month - 1 day')::date
    from monthly

),

covered as (

    select windows.*
    from windows
    cross join coverage
    where windows.window_start >= coverage.first_day and windows.window_end <= coverage.last_day

),

sums as (

    select
        covered.indicator_code,
        covered.scope_level,
        covered.window_start,
        covered.window_end,
        sum(monthly.value) as value,
        bool_or(monthly.is_synthetic) as is_synthetic
    from covered
    inner join monthly
        on monthly.indicator_code = covered.indicator_code and monthly.scope_level = covered.scope_level
        and monthly.month_start between covered.window_start and covered.window_end
    group by covered.indicator_code, covered.scope_level, covered.window_start, covered.window_end

),

shaped as (

    select
        ---------- ids
        concat_ws(':', 'records', indicator_code, scope_level, 'period', window_start, window_end) as figure_id,
        'records' as origin,
        'records' as statement_key,
        ---------- figure key
        indicator_code,
        scope_level,
        '' as dimension,
        '' as provider_name,
        'period' as window_type,
        window_start,
        window_end,
        window_end as as_of_date,
        ---------- values
        value::numeric as value,
        value::text as value_raw,
        '=' as comparator,
        0 as printed_decimals,
        false as is_start_assumed,
        ---------- lineage
        'hồ sơ TTHC / dossier records (mart_tthc_dossier_agency_month)' as source_ref,
        null::text as quote,
        null::text as file_name,
        null::text as sheet,
        null::text as cell,
        null::uuid as batch_id,
        null::text as window_text,
        null::text as title_text,
        null::date as title_window_end,
        is_synthetic
    from sums

)

select * from shaped
