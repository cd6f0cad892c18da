{#- Documents on the document system per month and level: received, issued, and issued documents signed
    digitally, with the signed share recomputed from the summed counts (rate_pct). -#}
with

documents as (

    select * from {{ ref('fact_edoc_document_monthly') }}

),

agencies as (

    select agency_code, agency_level from {{ ref('dim_agency') }} where is_current

),

final as (

    select
        documents.report_month as month_start,
        {{ month_label_vi('documents.report_month') }}
            as month_label_vi,
        agencies.agency_level,
        case agencies.agency_level when 'province' then 'Cấp tỉnh' else 'Cấp xã' end as agency_level_vi,
        count(distinct documents.agency_code)::integer as agencies_reporting,
        sum(documents.received_document_count)::bigint as documents_received,
        sum(documents.issued_document_count)::bigint as documents_issued,
        sum(documents.signed_document_count)::bigint as documents_signed,
        {{ indicator_rate('edoc_signed_rate', 'documents') }} as signed_rate_pct,
        bool_or(documents.is_synthetic) as is_synthetic
    from documents
    inner join agencies on agencies.agency_code = documents.agency_code
    group by documents.report_month, agencies.agency_level

)

select * from final
