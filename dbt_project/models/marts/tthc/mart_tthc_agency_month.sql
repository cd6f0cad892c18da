{#- Phụ lục V dossier figures per agency and month, summed from the daily fact; rates recomputed from the summed
    counts by the catalogue's own definition (indicator_rate). -#}
with

dossiers as (

    select * from {{ ref('fact_tthc_dossier_daily') }}

),

periods as (

    select date_key, month_start, month_label_vi from {{ ref('dim_period') }}

),

agencies as (

    select agency_code, name_vi, agency_level from {{ ref('dim_agency') }} where is_current

),

agency_months as (

    select
        dossiers.agency_code,
        periods.month_start,
        periods.month_label_vi,
        sum(dossiers.received_count)::bigint as received_count,
        sum(dossiers.received_online_count)::bigint as received_online_count,
        sum(dossiers.received_direct_count)::bigint as received_direct_count,
        sum(dossiers.resolved_count)::bigint as resolved_count,
        sum(dossiers.resolved_early_count)::bigint as resolved_early_count,
        sum(dossiers.resolved_on_deadline_count)::bigint as resolved_on_deadline_count,
        sum(dossiers.resolved_in_time_count)::bigint as resolved_in_time_count,
        sum(dossiers.resolved_overdue_count)::bigint as resolved_overdue_count,
        {{ indicator_rate('dossier_online_rate', 'dossiers') }} as online_rate_pct,
        {{ indicator_rate('dossier_ontime_rate', 'dossiers') }} as in_time_rate_pct,
        bool_or(dossiers.is_synthetic) as is_synthetic
    from dossiers
    inner join periods on dossiers.date_key = periods.date_key
    group by dossiers.agency_code, periods.month_start, periods.month_label_vi

),

final as (

    select
        agency_months.agency_code,
        agencies.name_vi as agency_name_vi,
        agencies.agency_level,
        agency_months.month_start,
        agency_months.month_label_vi,
        agency_months.received_count,
        agency_months.received_online_count,
        agency_months.received_direct_count,
        agency_months.resolved_count,
        agency_months.resolved_early_count,
        agency_months.resolved_on_deadline_count,
        agency_months.resolved_in_time_count,
        agency_months.resolved_overdue_count,
        agency_months.online_rate_pct,
        agency_months.in_time_rate_pct,
        agency_months.is_synthetic
    from agency_months
    inner join agencies on agency_months.agency_code = agencies.agency_code

)

select * from final
