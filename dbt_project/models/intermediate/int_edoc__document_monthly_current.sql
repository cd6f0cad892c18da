{#- Only the current ('loaded') batch of each month counts; superseded batches stay in raw for lineage. -#}
with

documents as (

    select * from {{ ref('stg_edoc__document_monthly') }}

),

current_batches as (

    select batch_id, is_synthetic, loaded_at
    from {{ ref('stg_raw__load_batch') }}
    where batch_status = 'loaded'

),

current_documents as (

    select
        documents.agency_code,
        documents.report_month,
        documents.batch_id,
        current_batches.is_synthetic,
        current_batches.loaded_at,

        documents.received_document_count,
        documents.issued_document_count,
        documents.signed_document_count,
        documents.issued_document_count - documents.signed_document_count as unsigned_document_count

    from documents
    inner join current_batches on documents.batch_id = current_batches.batch_id

)

select * from current_documents
