{#- Official digital-signature certificates per month by level (tỉnh / xã), holder type and medium:
    issued and revoked in the month and in use at its end, summed over the agencies of each level. -#}
with

certificates as (

    select * from {{ ref('fact_signature_certificate_monthly') }}

),

agencies as (

    select agency_code, agency_level from {{ ref('dim_agency') }} where is_current

),

final as (

    select
        certificates.report_month as month_start,
        {{ month_label_vi('certificates.report_month') }}
            as month_label_vi,
        agencies.agency_level,
        case agencies.agency_level when 'province' then 'Cấp tỉnh' else 'Cấp xã' end as agency_level_vi,
        certificates.holder_type,
        case certificates.holder_type when 'organisation' then 'Tổ chức' else 'Cá nhân' end as holder_type_vi,
        certificates.medium,
        case certificates.medium
            when 'usb_token' then 'USB token'
            when 'sim_pki' then 'SIM PKI'
            when 'remote_signing' then 'Ký số từ xa (tập trung)'
        end as medium_vi,
        count(distinct certificates.agency_code)::integer as agencies_reporting,
        sum(certificates.certificates_issued_count)::bigint as certificates_issued,
        sum(certificates.certificates_revoked_count)::bigint as certificates_revoked,
        sum(certificates.certificates_active_count)::bigint as certificates_in_use,
        bool_or(certificates.is_synthetic) as is_synthetic
    from certificates
    inner join agencies on agencies.agency_code = certificates.agency_code
    group by certificates.report_month, agencies.agency_level, certificates.holder_type, certificates.medium

)

select * from final
