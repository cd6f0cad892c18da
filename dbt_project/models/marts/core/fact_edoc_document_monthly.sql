{#- Documents received, issued and digitally signed per agency and month (the month's first day), from the
    current batch of each month, keyed to the agency version valid that month. -#}
with

documents as (

    {{ current_batch_rows('stg_edoc__document_monthly') }}

),

agency_versions as (

    select agency_key, agency_code, valid_from, valid_to from {{ ref('dim_agency') }}

),

final as (

    select
        ---------- keys
        agency_versions.agency_key,
        documents.agency_code,
        to_char(documents.report_month, 'YYYYMMDD')::int as date_key,
        documents.report_month,

        ---------- counts: documents (văn bản)
        documents.received_document_count,
        documents.issued_document_count,
        documents.signed_document_count,
        documents.issued_document_count - documents.signed_document_count as unsigned_document_count,

        ---------- lineage
        documents.batch_id,
        documents.is_synthetic,
        documents.loaded_at

    from documents
    left join agency_versions
        on {{ agency_version_valid_on('agency_versions', 'documents.agency_code', 'documents.report_month') }}

)

select * from final
