{#- Reshape each source's current counts to the narrow (agency, day, indicator, value) form.
    The indicator codes are those of the catalogue seed; a new source adds one union branch here. -#}
with

tthc as (

    select * from {{ ref('int_tthc__dossier_daily_current') }}

),

tthc_values as (

    select agency_code, report_date, batch_id, is_synthetic, indicator_code, value
    from tthc
    cross join lateral (
        values
            ('dossier_received_count', received_count),
            ('dossier_online_count', received_online_count),
            ('dossier_direct_other_count', received_direct_count),
            ('dossier_resolved_count', resolved_count),
            ('dossier_resolved_early_count', resolved_early_count),
            ('dossier_resolved_on_deadline_count', resolved_on_deadline_count),
            ('dossier_resolved_ontime_count', resolved_in_time_count),
            ('dossier_resolved_overdue_count', resolved_overdue_count)
    ) as v (indicator_code, value)

)

select * from tthc_values
