{#- The current batch of each month's catalogue snapshot. -#}
with

services as (

    select * from {{ ref('stg_tthc_services__monthly') }}

),

current_batches as (

    select batch_id, is_synthetic, loaded_at
    from {{ ref('stg_raw__load_batch') }}
    where batch_status = 'loaded'

),

current_services as (

    select
        services.agency_code,
        services.report_month,
        services.batch_id,
        current_batches.is_synthetic,
        current_batches.loaded_at,
        services.tthc_count,
        services.dvctt_full_count,
        services.dvctt_partial_count,
        services.in_person_only_count
    from services
    inner join current_batches on services.batch_id = current_batches.batch_id

)

select * from current_services
