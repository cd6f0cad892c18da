{#- Fee dossiers and online payments per agency and day, from the current batch of each day, keyed to the agency
    version valid that day. Incremental like every daily fact: a run deletes and re-inserts the days that received
    a batch since the last run. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='report_date',
    on_schema_change='fail',
) }}

with

current_payments as (

    {{ current_batch_rows('stg_payment__transaction_daily') }}

),

payments as (

    select * from current_payments
    {% if is_incremental() %}
    where {{ days_with_new_batches('current_payments') }}
    {% endif %}

),

agency_versions as (

    select agency_key, agency_code, valid_from, valid_to from {{ ref('dim_agency') }}

),

final as (

    select
        ---------- keys
        agency_versions.agency_key,
        payments.agency_code,
        to_char(payments.report_date, 'YYYYMMDD')::int as date_key,
        payments.report_date,

        ---------- counts: fees (nghĩa vụ tài chính)
        payments.fee_dossier_count,
        payments.online_payment_count,

        ---------- lineage
        payments.batch_id,
        payments.is_synthetic,
        payments.loaded_at

    from payments
    left join agency_versions
        on {{ agency_version_valid_on('agency_versions', 'payments.agency_code', 'payments.report_date') }}

)

select * from final
