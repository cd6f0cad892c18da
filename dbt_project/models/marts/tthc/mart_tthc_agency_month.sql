{#- Phụ lục V dossier figures per agency and month; rates recomputed from the summed counts. -#}
with

facts as (

    select * from {{ ref('fact_indicator_value') }}
    where indicator_code like 'dossier\_%'

),

periods as (

    select date_key, month_start, month_label_vi from {{ ref('dim_period') }}

),

agencies as (

    select agency_code, name_vi, agency_level from {{ ref('dim_agency') }} where is_current

),

agency_days as (

    select
        agency_code,
        date_key,
        bool_or(is_synthetic) as is_synthetic,
        sum(value) filter (where indicator_code = 'dossier_received_count') as received_count,
        sum(value) filter (where indicator_code = 'dossier_online_count') as received_online_count,
        sum(value) filter (where indicator_code = 'dossier_direct_other_count') as received_direct_count,
        sum(value) filter (where indicator_code = 'dossier_resolved_count') as resolved_count,
        sum(value) filter (where indicator_code = 'dossier_resolved_early_count') as resolved_early_count,
        sum(value) filter (where indicator_code = 'dossier_resolved_on_deadline_count') as resolved_on_deadline_count,
        sum(value) filter (where indicator_code = 'dossier_resolved_ontime_count') as resolved_in_time_count,
        sum(value) filter (where indicator_code = 'dossier_resolved_overdue_count') as resolved_overdue_count
    from facts
    group by agency_code, date_key

),

agency_months as (

    select
        agency_days.agency_code,
        periods.month_start,
        periods.month_label_vi,
        sum(agency_days.received_count)::bigint as received_count,
        sum(agency_days.received_online_count)::bigint as received_online_count,
        sum(agency_days.received_direct_count)::bigint as received_direct_count,
        sum(agency_days.resolved_count)::bigint as resolved_count,
        sum(agency_days.resolved_early_count)::bigint as resolved_early_count,
        sum(agency_days.resolved_on_deadline_count)::bigint as resolved_on_deadline_count,
        sum(agency_days.resolved_in_time_count)::bigint as resolved_in_time_count,
        sum(agency_days.resolved_overdue_count)::bigint as resolved_overdue_count,
        {{ rate_pct('agency_days.received_online_count', 'agency_days.received_count') }} as online_rate_pct,
        {{ rate_pct('agency_days.resolved_in_time_count', 'agency_days.resolved_count') }} as in_time_rate_pct,
        bool_or(agency_days.is_synthetic) as is_synthetic
    from agency_days
    inner join periods on agency_days.date_key = periods.date_key
    group by agency_days.agency_code, periods.month_start, periods.month_label_vi

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
