with

source as (

    select * from {{ source('edoc', 'document_monthly') }}

),

renamed as (

    select
        ---------- ids
        batch_id,
        agency_code,

        ---------- dates
        report_month,

        ---------- counts: documents (văn bản đến, văn bản đi, văn bản ký số)
        documents_received::bigint as received_document_count,
        documents_issued::bigint as issued_document_count,
        documents_signed::bigint as signed_document_count

    from source

)

select * from renamed
