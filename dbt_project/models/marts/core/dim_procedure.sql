{#- The catalogue of administrative procedures (TTHC) the dossier feed names: synthetic codes and names whose
    counts per agency and service level are those of the catalogue feed (seeds/procedures.csv). Commune-level
    procedures have no agency: one catalogue applies to every xã, phường and đặc khu. -#}
with

procedures as (

    select * from {{ ref('procedures') }}

),

final as (

    select
        ---------- keys
        md5(procedures.procedure_code) as procedure_key,
        procedures.procedure_code,
        procedures.agency_code,

        ---------- names
        procedures.procedure_name_vi,
        procedures.procedure_name_en,
        procedures.field_code,
        procedures.field_name_vi,
        procedures.field_name_en,

        ---------- classification
        procedures.level as procedure_level,
        procedures.service_level,
        case procedures.service_level
            when 'full_process' then 'Toàn trình'
            when 'partial_online' then 'Một phần'
            when 'in_person_only' then 'Chỉ trực tiếp'
        end as service_level_vi,
        procedures.has_fee,
        procedures.deadline_days,

        ---------- lineage
        procedures.is_synthetic,
        procedures.source

    from procedures

)

select * from final
