{#- The procedure and online-service catalogue of each agency at each month's end (a snapshot: the province adds
    its provincial agencies; the commune level is one catalogue all communes share, never a sum over communes),
    from the current batch of each month, keyed to the agency version valid that month. -#}
with

services as (

    {{ current_batch_rows('stg_tthc_services__monthly') }}

),

agency_versions as (

    select agency_key, agency_code, valid_from, valid_to from {{ ref('dim_agency') }}

),

final as (

    select
        ---------- keys
        agency_versions.agency_key,
        services.agency_code,
        to_char(services.report_month, 'YYYYMMDD')::int as date_key,
        services.report_month,

        ---------- stocks: catalogue at the month end
        services.tthc_count,
        services.dvctt_full_count,
        services.dvctt_partial_count,
        services.in_person_only_count,

        ---------- lineage
        services.batch_id,
        services.is_synthetic,
        services.loaded_at

    from services
    left join agency_versions
        on {{ agency_version_valid_on('agency_versions', 'services.agency_code', 'services.report_month') }}

)

select * from final
