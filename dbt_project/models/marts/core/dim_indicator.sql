with

indicators as (

    select * from {{ ref('indicators') }}

),

final as (

    select
        indicator_code,
        name_vi,
        name_en,
        unit,
        kind as indicator_kind,
        numerator_code,
        denominator_code,
        aggregation,
        owner_agency_code,
        domain,
        definition_vi,
        source_ref,
        valid_from
    from indicators

)

select * from final
