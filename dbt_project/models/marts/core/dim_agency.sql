{#- Agencies as a type-2 slowly changing dimension across the merger of 01/7/2025: each new commune-level
    unit kept the official code of one of the units it absorbed, so that code has a pre-merger version
    (the old unit, valid until 30/6/2025) and the current one. Facts join on the version valid at their date. -#}
with

agencies as (

    select * from {{ ref('agencies') }}

),

predecessors as (

    select * from {{ ref('agency_predecessors') }}

),

replaced as (

    select
        agency_code,
        count(*) as predecessor_count,
        string_agg(predecessor_name_vi, '; ' order by predecessor_code) as predecessor_names_vi
    from predecessors
    group by agency_code

),

current_versions as (

    select
        agencies.agency_code,
        agencies.official_code,
        agencies.name_vi,
        agencies.name_en,
        agencies.agency_type,
        agencies.level as agency_level,
        agencies.parent_code,
        agencies.former_province,
        agencies.receives_dossiers,
        coalesce(replaced.predecessor_count, 0) as predecessor_count,
        replaced.predecessor_names_vi,
        agencies.valid_from,
        agencies.valid_to
    from agencies
    left join replaced on replaced.agency_code = agencies.agency_code

),

pre_merger_versions as (

    select
        predecessors.agency_code,
        predecessors.predecessor_code as official_code,
        predecessors.predecessor_name_vi as name_vi,
        null::text as name_en,
        case predecessors.predecessor_type
            when 'xa' then 'commune'
            when 'phuong' then 'ward'
            when 'thi_tran' then 'township'
        end as agency_type,
        'commune' as agency_level,
        null::text as parent_code,
        predecessors.predecessor_province_name_vi as former_province,
        agencies.receives_dossiers,
        0 as predecessor_count,
        null::text as predecessor_names_vi,
        '{{ var("history_start") }}'::date as valid_from,
        predecessors.valid_to
    from predecessors
    inner join agencies on agencies.agency_code = predecessors.agency_code
    where predecessors.keeps_code

),

versions as (

    select * from current_versions
    union all
    select * from pre_merger_versions

),

final as (

    select
        md5(agency_code || '|' || valid_from::text) as agency_key,
        agency_code,
        official_code,
        name_vi,
        name_en,
        agency_type,
        agency_level,
        parent_code,
        former_province,
        receives_dossiers,
        predecessor_count,
        predecessor_names_vi,
        valid_from,
        valid_to,
        valid_to is null as is_current
    from versions

)

select * from final
