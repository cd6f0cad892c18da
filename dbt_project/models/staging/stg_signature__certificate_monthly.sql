with

source as (

    select * from {{ source('signature', 'certificate_monthly') }}

),

renamed as (

    select
        ---------- ids
        batch_id,
        agency_code,

        ---------- dates
        report_month,

        ---------- counts: issued (cấp mới trong tháng)
        issued_organisation_usb_token::bigint as issued_organisation_usb_token_count,
        issued_organisation_sim_pki::bigint as issued_organisation_sim_pki_count,
        issued_organisation_remote_signing::bigint as issued_organisation_remote_signing_count,
        issued_personal_usb_token::bigint as issued_personal_usb_token_count,
        issued_personal_sim_pki::bigint as issued_personal_sim_pki_count,
        issued_personal_remote_signing::bigint as issued_personal_remote_signing_count,

        ---------- counts: revoked (thu hồi trong tháng)
        revoked_organisation_usb_token::bigint as revoked_organisation_usb_token_count,
        revoked_organisation_sim_pki::bigint as revoked_organisation_sim_pki_count,
        revoked_organisation_remote_signing::bigint as revoked_organisation_remote_signing_count,
        revoked_personal_usb_token::bigint as revoked_personal_usb_token_count,
        revoked_personal_sim_pki::bigint as revoked_personal_sim_pki_count,
        revoked_personal_remote_signing::bigint as revoked_personal_remote_signing_count,

        ---------- stocks: in use at the month's end (đang sử dụng cuối tháng)
        active_organisation_usb_token::bigint as active_organisation_usb_token_count,
        active_organisation_sim_pki::bigint as active_organisation_sim_pki_count,
        active_organisation_remote_signing::bigint as active_organisation_remote_signing_count,
        active_personal_usb_token::bigint as active_personal_usb_token_count,
        active_personal_sim_pki::bigint as active_personal_sim_pki_count,
        active_personal_remote_signing::bigint as active_personal_remote_signing_count

    from source

)

select * from renamed
