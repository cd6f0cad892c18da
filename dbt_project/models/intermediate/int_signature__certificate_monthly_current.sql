{#- Only the current ('loaded') batch of each month counts. The source's wide row (one column per holder type ×
    medium) becomes one row per cell, with the stock of the month before beside it, so the identity
    "in use now = in use last month + issued - revoked" can be tested wherever both months are loaded. -#}
with

current_certificates as (

    {{ current_batch_rows('stg_signature__certificate_monthly') }}

),

cells as (

    select
        current_certificates.agency_code,
        current_certificates.report_month,
        current_certificates.batch_id,
        current_certificates.is_synthetic,
        current_certificates.loaded_at,
        cell.holder_type,
        cell.medium,
        cell.certificates_issued_count,
        cell.certificates_revoked_count,
        cell.certificates_active_count

    from current_certificates
    cross join lateral (
        values
            (
                'organisation', 'usb_token',
                issued_organisation_usb_token_count,
                revoked_organisation_usb_token_count,
                active_organisation_usb_token_count
            ),
            (
                'organisation', 'sim_pki',
                issued_organisation_sim_pki_count,
                revoked_organisation_sim_pki_count,
                active_organisation_sim_pki_count
            ),
            (
                'organisation', 'remote_signing',
                issued_organisation_remote_signing_count,
                revoked_organisation_remote_signing_count,
                active_organisation_remote_signing_count
            ),
            (
                'personal', 'usb_token',
                issued_personal_usb_token_count,
                revoked_personal_usb_token_count,
                active_personal_usb_token_count
            ),
            (
                'personal', 'sim_pki',
                issued_personal_sim_pki_count,
                revoked_personal_sim_pki_count,
                active_personal_sim_pki_count
            ),
            (
                'personal', 'remote_signing',
                issued_personal_remote_signing_count,
                revoked_personal_remote_signing_count,
                active_personal_remote_signing_count
            )
    ) as cell (holder_type, medium, certificates_issued_count, certificates_revoked_count, certificates_active_count)

),

with_previous_month as (

    select
        cells.*,
        previous_month.certificates_active_count as previous_certificates_active_count

    from cells
    left join cells as previous_month
        on previous_month.agency_code = cells.agency_code
        and previous_month.holder_type = cells.holder_type
        and previous_month.medium = cells.medium
        and previous_month.report_month = (cells.report_month - interval '1 month')::date

)

select * from with_previous_month
