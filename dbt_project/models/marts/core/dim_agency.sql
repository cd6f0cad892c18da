with

agencies as (

    select * from {{ ref('agencies') }}

),

final as (

    select
        md5(agency_code || '|' || valid_from::text) as agency_key,
        agency_code,
        official_code,
        name_vi,
        name_en,
        agency_type,
        level as agency_level,
        parent_code,
        former_province,
        receives_dossiers,
        valid_from,
        valid_to,
        valid_to is null as is_current
    from agencies

)

select * from final
