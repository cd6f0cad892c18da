{#- VNeID per commune and day: the day's flows and the running stocks (lũy kế), keyed to the agency version
    and the day. Incremental like fact_indicator_value: days with a new batch are deleted and re-inserted. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='report_date',
    on_schema_change='fail',
) }}

with

vneid as (

    select * from {{ ref('int_vneid__daily_current') }}
    {% if is_incremental() %}
    where {{ days_with_new_batches(ref('int_vneid__daily_current')) }}
    {% endif %}

),

agency_versions as (

    select agency_key, agency_code, valid_from, valid_to from {{ ref('dim_agency') }}

),

final as (

    select
        agency_versions.agency_key,
        vneid.agency_code,
        to_char(vneid.report_date, 'YYYYMMDD')::int as date_key,
        vneid.report_date,
        vneid.id_card_application_count,
        vneid.eid_application_count,
        vneid.activated_level1_count,
        vneid.activated_level2_count,
        vneid.activated_count,
        vneid.cumulative_id_card_application_count,
        vneid.cumulative_eid_application_count,
        vneid.cumulative_activated_count,
        vneid.batch_id,
        vneid.is_synthetic,
        vneid.loaded_at
    from vneid
    left join agency_versions
        on {{ agency_version_valid_on('agency_versions', 'vneid.agency_code', 'vneid.report_date') }}

)

select * from final
