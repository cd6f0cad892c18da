{#- Stocks (aggregation snapshot in the catalogue) at each date the feeds know them, per scope: VNeID running
    totals per day; certificates in use and the service catalogue at each month's end. A monthly stock is the
    latest one known until the next month end (valid_until), so a report dated 16/4 reads the stock of 31/3.
    Levels roll up as the catalogue says: certificates and VNeID add up over agencies; the commune level of
    the service catalogue is the one catalogue every commune shares (max, never a sum over 124 communes).
    Incremental by as-of date like the narrow fact: a run rebuilds the dates whose facts were loaded since the
    last run (each fact read once for them), so a night adds its own day, not all history again. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='as_of_date',
    on_schema_change='append_new_columns',
    post_hook=["{{ ensure_index(['as_of_date']) }}", "{{ ensure_index(['loaded_at']) }}"],
) }}

with

agencies as (

    select agency_code, level as agency_level from {{ ref('agencies') }}

),

{% if is_incremental() %}
new_dates as (

    select report_date as as_of_date from {{ ref('fact_vneid_daily') }}
    where {{ loaded_since_last_run() }}
    union
    select (report_month + interval '1 month - 1 day')::date from {{ ref('fact_signature_certificate_monthly') }}
    where {{ loaded_since_last_run() }}
    union
    select (report_month + interval '1 month - 1 day')::date from {{ ref('fact_tthc_service_catalogue_monthly') }}
    where {{ loaded_since_last_run() }}

),
{% endif %}

vneid as (

    select
        vneid.report_date as as_of_date,
        vneid.report_date as valid_until,
        'vneid.daily' as feed,
        agencies.agency_level,
        vneid.is_synthetic,
        vneid.loaded_at,
        stock.indicator_code,
        stock.value
    from {{ ref('fact_vneid_daily') }} as vneid
    inner join agencies on agencies.agency_code = vneid.agency_code
    cross join lateral (
        values
            ('id_card_application_count', vneid.cumulative_id_card_application_count),
            ('eid_application_count', vneid.cumulative_eid_application_count),
            ('eid_activated_count', vneid.cumulative_activated_count)
    ) as stock (indicator_code, value)
    {% if is_incremental() %}
    where vneid.report_date in (select as_of_date from new_dates)
    {% endif %}

),

certificates as (

    select
        (certificates.report_month + interval '1 month - 1 day')::date as as_of_date,
        (certificates.report_month + interval '2 months - 2 days')::date as valid_until,
        'signature.certificate_monthly' as feed,
        agencies.agency_level,
        certificates.is_synthetic,
        certificates.loaded_at,
        stock.indicator_code,
        certificates.certificates_active_count as value
    from {{ ref('fact_signature_certificate_monthly') }} as certificates
    inner join agencies on agencies.agency_code = certificates.agency_code
    cross join lateral (
        values
            ('ds_cert_count', true),
            ('ds_cert_org_count', certificates.holder_type = 'organisation'),
            ('ds_cert_personal_count', certificates.holder_type = 'personal'),
            ('ds_token_count', certificates.medium = 'usb_token'),
            ('ds_sim_pki_count', certificates.medium = 'sim_pki'),
            ('ds_remote_signing_account_count', certificates.medium = 'remote_signing')
    ) as stock (indicator_code, applies)
    where stock.applies
    {% if is_incremental() %}
        and (certificates.report_month + interval '1 month - 1 day')::date in (select as_of_date from new_dates)
    {% endif %}

),

catalogue as (

    select
        (services.report_month + interval '1 month - 1 day')::date as as_of_date,
        (services.report_month + interval '2 months - 2 days')::date as valid_until,
        'tthc_services.monthly' as feed,
        agencies.agency_level,
        services.is_synthetic,
        services.loaded_at,
        stock.indicator_code,
        stock.value
    from {{ ref('fact_tthc_service_catalogue_monthly') }} as services
    inner join agencies on agencies.agency_code = services.agency_code
    cross join lateral (
        values
            ('tthc_count', services.tthc_count),
            ('dvctt_full_count', services.dvctt_full_count),
            ('dvctt_partial_count', services.dvctt_partial_count),
            ('tthc_in_person_only_count', services.in_person_only_count)
    ) as stock (indicator_code, value)
    {% if is_incremental() %}
    where (services.report_month + interval '1 month - 1 day')::date in (select as_of_date from new_dates)
    {% endif %}

),

additive as (

    select * from vneid
    union all
    select * from certificates

),

by_level as (

    select indicator_code, agency_level as scope_level, as_of_date, valid_until, feed,
           sum(value) as value, bool_or(is_synthetic) as is_synthetic, max(loaded_at) as loaded_at
    from additive
    group by indicator_code, agency_level, as_of_date, valid_until, feed
    union all
    select indicator_code, 'province_total' as scope_level, as_of_date, valid_until, feed,
           sum(value) as value, bool_or(is_synthetic) as is_synthetic, max(loaded_at) as loaded_at
    from additive
    group by indicator_code, as_of_date, valid_until, feed
    union all
    select indicator_code, agency_level, as_of_date, valid_until, feed,
           case when agency_level = 'commune' then max(value) else sum(value) end as value,
           bool_or(is_synthetic) as is_synthetic, max(loaded_at) as loaded_at
    from catalogue
    group by indicator_code, agency_level, as_of_date, valid_until, feed

)

select * from by_level
