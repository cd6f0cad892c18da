{#- TTHC dossiers per agency and day, from the current batch of each day, with the totals the annex reports
    (received = online + direct; resolved = early + on deadline + overdue). Incremental like every daily fact:
    a run deletes and re-inserts the days that received a batch since the last run. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='report_date',
    on_schema_change='fail',
) }}

with

dossiers as (

    {{ current_batch_rows('stg_tthc__dossier_daily') }}

),

new_days as (

    select * from dossiers
    {% if is_incremental() %}
    where {{ days_with_new_batches('dossiers') }}
    {% endif %}

),

agency_versions as (

    select agency_key, agency_code, valid_from, valid_to from {{ ref('dim_agency') }}

),

final as (

    select
        ---------- keys
        agency_versions.agency_key,
        new_days.agency_code,
        to_char(new_days.report_date, 'YYYYMMDD')::int as date_key,
        new_days.report_date,

        ---------- counts: received (tiếp nhận mới)
        new_days.received_online_count,
        new_days.received_direct_count,
        new_days.received_online_count + new_days.received_direct_count as received_count,

        ---------- counts: resolved (đã giải quyết)
        new_days.resolved_early_count,
        new_days.resolved_on_deadline_count,
        new_days.resolved_early_count + new_days.resolved_on_deadline_count as resolved_in_time_count,
        new_days.resolved_overdue_count,
        new_days.resolved_early_count + new_days.resolved_on_deadline_count
            + new_days.resolved_overdue_count as resolved_count,

        ---------- lineage
        new_days.batch_id,
        new_days.is_synthetic,
        new_days.loaded_at

    from new_days
    left join agency_versions
        on {{ agency_version_valid_on('agency_versions', 'new_days.agency_code', 'new_days.report_date') }}

)

select * from final
