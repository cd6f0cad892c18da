{#- Only the current ('loaded') batch of each period counts; superseded batches stay in raw for lineage. -#}
with

dossiers as (

    select * from {{ ref('stg_tthc__dossier_daily') }}

),

current_batches as (

    select batch_id, is_synthetic, loaded_at
    from {{ ref('stg_raw__load_batch') }}
    where batch_status = 'loaded'

),

current_dossiers as (

    select
        dossiers.agency_code,
        dossiers.report_date,
        dossiers.batch_id,
        current_batches.is_synthetic,
        current_batches.loaded_at,

        dossiers.received_online_count,
        dossiers.received_direct_count,
        dossiers.received_online_count + dossiers.received_direct_count as received_count,

        dossiers.resolved_early_count,
        dossiers.resolved_on_deadline_count,
        dossiers.resolved_early_count + dossiers.resolved_on_deadline_count as resolved_in_time_count,
        dossiers.resolved_overdue_count,
        dossiers.resolved_early_count + dossiers.resolved_on_deadline_count
            + dossiers.resolved_overdue_count as resolved_count

    from dossiers
    inner join current_batches on dossiers.batch_id = current_batches.batch_id

)

select * from current_dossiers
