{#- Online public services per agency and month: the catalogue snapshot and the full-process share. -#}
with

services as (

    select * from {{ ref('fact_tthc_service_catalogue_monthly') }}

),

agencies as (

    select agency_code, name_vi, agency_level from {{ ref('dim_agency') }} where is_current

),

final as (

    select
        services.agency_code,
        agencies.name_vi as agency_name_vi,
        agencies.agency_level,
        services.report_month as month_start,
        {{ month_label_vi('services.report_month') }}
            as month_label_vi,
        services.tthc_count::bigint as tthc_count,
        services.dvctt_full_count::bigint as dvctt_full_count,
        services.dvctt_partial_count::bigint as dvctt_partial_count,
        services.in_person_only_count::bigint as in_person_only_count,
        {{ indicator_rate('dvctt_full_share', 'services') }} as dvctt_full_share_pct,
        services.is_synthetic
    from services
    inner join agencies on agencies.agency_code = services.agency_code
    group by services.agency_code, agencies.name_vi, agencies.agency_level, services.report_month,
             services.tthc_count, services.dvctt_full_count, services.dvctt_partial_count,
             services.in_person_only_count, services.is_synthetic

)

select * from final
