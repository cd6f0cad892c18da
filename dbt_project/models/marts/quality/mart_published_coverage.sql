{#- Coverage of what the province published: every in-scope actual figure of the reference list
    (seeds/published_reference_figures.csv: TTHC, online services, digital signatures, VNeID) with its one
    status from mart_published_reconciliation. One row per in-scope reference figure. -#}
with

reference as (

    select * from {{ ref('published_reference_figures') }}
    where is_in_scope

),

reconciliation as (

    select * from {{ ref('mart_published_reconciliation') }}

),

final as (

    select
        reference.reference_figure_id,
        reference.family,
        reference.reference_indicator,
        reconciliation.figure_id,
        reconciliation.indicator_code,
        reconciliation.indicator_name_vi,
        reconciliation.scope_level,
        reconciliation.window_start,
        reconciliation.window_end,
        reference.source_ref,
        reference.quote,
        reconciliation.published_value,
        reconciliation.published_text,
        reconciliation.warehouse_value,
        reconciliation.difference,
        reconciliation.warehouse_is_synthetic,
        coalesce(reconciliation.status, 'not_computable') as status,
        coalesce(reconciliation.status_reason_vi, 'Không có trong bảng số liệu công bố') as status_reason_vi,
        reconciliation.finding_rules
    from reference
    left join reconciliation on reconciliation.figure_id = reference.figure_id

)

select * from final
