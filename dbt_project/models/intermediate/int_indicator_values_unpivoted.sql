{#- Reshape each source's current counts to the narrow (agency, day, indicator, value) form.
    The indicator codes are those of the catalogue seed; a new source adds one union branch here.
    Only flows that add up over agencies and days go here: stocks (lũy kế, certificates in use) are
    snapshots and stay in their int_ models. Monthly sources report on the month's first day. -#}
with

tthc as (

    select * from {{ ref('int_tthc__dossier_daily_current') }}

),

vneid as (

    select * from {{ ref('int_vneid__daily_current') }}

),

signature as (

    select * from {{ ref('int_signature__certificate_monthly_current') }}

),

edoc as (

    select * from {{ ref('int_edoc__document_monthly_current') }}

),

tthc_values as (

    select agency_code, report_date, batch_id, is_synthetic, loaded_at, indicator_code, value
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

),

vneid_values as (

    select agency_code, report_date, batch_id, is_synthetic, loaded_at, indicator_code, value
    from vneid
    cross join lateral (
        values
            ('id_card_application_new_count', id_card_application_count),
            ('eid_application_new_count', eid_application_count),
            ('eid_activated_new_count', activated_count),
            ('eid_activated_level1_new_count', activated_level1_count),
            ('eid_activated_level2_new_count', activated_level2_count)
    ) as v (indicator_code, value)

),

signature_values as (

    select
        agency_code,
        report_month as report_date,
        batch_id,
        is_synthetic,
        loaded_at,
        indicator_code,
        sum(value)::bigint as value
    from signature
    cross join lateral (
        values
            ('ds_cert_issued_count', certificates_issued_count),
            ('ds_cert_revoked_count', certificates_revoked_count)
    ) as v (indicator_code, value)
    group by agency_code, report_month, batch_id, is_synthetic, loaded_at, indicator_code

),

edoc_values as (

    {#- The catalogue holds "văn bản đi" under two codes: the denominator of the signed rate (002:741)
        and the published outgoing total (002:750); both read the same count. -#}
    select agency_code, report_month as report_date, batch_id, is_synthetic, loaded_at, indicator_code, value
    from edoc
    cross join lateral (
        values
            ('edoc_incoming_count', received_document_count),
            ('edoc_outgoing_count', issued_document_count),
            ('edoc_issued_count', issued_document_count),
            ('edoc_signed_count', signed_document_count)
    ) as v (indicator_code, value)

)

select * from tthc_values
union all
select * from vneid_values
union all
select * from signature_values
union all
select * from edoc_values
