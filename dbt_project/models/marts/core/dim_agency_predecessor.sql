{#- Which pre-merger communes, wards and townships each new unit replaced on 01/7/2025. -#}
with

predecessors as (

    select * from {{ ref('agency_predecessors') }}

),

final as (

    select
        agency_code,
        predecessor_code,
        predecessor_name_vi,
        predecessor_type,
        predecessor_district_code,
        predecessor_district_name_vi,
        predecessor_province_code,
        predecessor_province_name_vi,
        is_partly_merged,
        keeps_code,
        valid_to
    from predecessors

)

select * from final
