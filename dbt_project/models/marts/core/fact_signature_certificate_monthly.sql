{#- Digital-signature certificates per agency, month, holder type and medium: issued and revoked in the
    month (flows) and in use at its end (stock), keyed to the agency version valid that month. -#}
with

certificates as (

    select * from {{ ref('int_signature__certificate_monthly_current') }}

),

agency_versions as (

    select agency_key, agency_code, valid_from, valid_to from {{ ref('dim_agency') }}

),

final as (

    select
        agency_versions.agency_key,
        certificates.agency_code,
        to_char(certificates.report_month, 'YYYYMMDD')::int as date_key,
        certificates.report_month,
        certificates.holder_type,
        certificates.medium,
        certificates.certificates_issued_count,
        certificates.certificates_revoked_count,
        certificates.certificates_active_count,
        certificates.batch_id,
        certificates.is_synthetic,
        certificates.loaded_at
    from certificates
    left join agency_versions
        on {{ agency_version_valid_on('agency_versions', 'certificates.agency_code', 'certificates.report_month') }}

)

select * from final
