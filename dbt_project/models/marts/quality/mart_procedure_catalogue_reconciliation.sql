{#- The procedure dimension beside the catalogue feed's latest month: per provincial agency, and once for the
    commune level, how many procedures (total, full-process, partial, in person only) each counts and whether
    they agree. The commune level is the catalogue of any commune (one catalogue all communes share), never a sum
    over communes: the feed's commune figure is taken where every commune reports the same catalogue. -#}
with

procedures as (

    select * from {{ ref('dim_procedure') }}

),

catalogue as (

    select * from {{ ref('fact_tthc_service_catalogue_monthly') }}

),

agencies as (

    select agency_code, name_vi, agency_level from {{ ref('dim_agency') }} where is_current

),

latest_month as (

    select max(report_month) as report_month from catalogue

),

dimension_counts as (

    select
        coalesce(agency_code, 'commune_level') as catalogue_code,
        count(*) as tthc_count,
        count(*) filter (where service_level = 'full_process') as full_process_count,
        count(*) filter (where service_level = 'partial_online') as partial_online_count,
        count(*) filter (where service_level = 'in_person_only') as in_person_only_count
    from procedures
    group by coalesce(agency_code, 'commune_level')

),

latest_catalogue as (

    select
        catalogue.agency_code,
        catalogue.report_month,
        catalogue.tthc_count,
        catalogue.dvctt_full_count,
        catalogue.dvctt_partial_count,
        catalogue.in_person_only_count,
        catalogue.is_synthetic,
        agencies.agency_level
    from catalogue
    inner join latest_month on catalogue.report_month = latest_month.report_month
    inner join agencies on catalogue.agency_code = agencies.agency_code

),

feed_counts as (

    select
        agency_code as catalogue_code,
        report_month,
        1 as feed_agency_count,
        tthc_count,
        dvctt_full_count as full_process_count,
        dvctt_partial_count as partial_online_count,
        in_person_only_count,
        is_synthetic
    from latest_catalogue
    where agency_level = 'province'

    union all

    -- any commune's catalogue: one value when all communes agree, else null (a finding: they differ)
    select
        'commune_level' as catalogue_code,
        max(report_month) as report_month,
        count(*) as feed_agency_count,
        case when min(tthc_count) = max(tthc_count) then min(tthc_count) end as tthc_count,
        case when min(dvctt_full_count) = max(dvctt_full_count) then min(dvctt_full_count) end as full_process_count,
        case
            when min(dvctt_partial_count) = max(dvctt_partial_count) then min(dvctt_partial_count)
        end as partial_online_count,
        case
            when min(in_person_only_count) = max(in_person_only_count) then min(in_person_only_count)
        end as in_person_only_count,
        bool_or(is_synthetic) as is_synthetic
    from latest_catalogue
    where agency_level = 'commune'
    having count(*) > 0

),

compared as (

    select
        coalesce(dimension_counts.catalogue_code, feed_counts.catalogue_code) as catalogue_code,
        feed_counts.report_month,
        feed_counts.feed_agency_count,
        coalesce(dimension_counts.tthc_count, 0) as dim_tthc_count,
        coalesce(dimension_counts.full_process_count, 0) as dim_full_process_count,
        coalesce(dimension_counts.partial_online_count, 0) as dim_partial_online_count,
        coalesce(dimension_counts.in_person_only_count, 0) as dim_in_person_only_count,
        feed_counts.tthc_count as feed_tthc_count,
        feed_counts.full_process_count as feed_full_process_count,
        feed_counts.partial_online_count as feed_partial_online_count,
        feed_counts.in_person_only_count as feed_in_person_only_count,
        feed_counts.is_synthetic as is_feed_synthetic
    from dimension_counts
    full outer join feed_counts on dimension_counts.catalogue_code = feed_counts.catalogue_code

),

final as (

    select
        ---------- keys
        compared.catalogue_code,
        case when compared.catalogue_code = 'commune_level' then 'commune' else 'province' end as procedure_level,
        case
            when compared.catalogue_code = 'commune_level' then 'Cấp xã (mọi xã, phường, đặc khu)'
            else agencies.name_vi
        end as catalogue_name_vi,
        compared.report_month,
        compared.feed_agency_count,

        ---------- the dimension's counts
        compared.dim_tthc_count,
        compared.dim_full_process_count,
        compared.dim_partial_online_count,
        compared.dim_in_person_only_count,

        ---------- the catalogue feed's counts, latest month
        compared.feed_tthc_count,
        compared.feed_full_process_count,
        compared.feed_partial_online_count,
        compared.feed_in_person_only_count,

        ---------- verdict
        coalesce(
            compared.dim_tthc_count = compared.feed_tthc_count
            and compared.dim_full_process_count = compared.feed_full_process_count
            and compared.dim_partial_online_count = compared.feed_partial_online_count
            and compared.dim_in_person_only_count = compared.feed_in_person_only_count,
            false
        ) as matches,
        compared.is_feed_synthetic

    from compared
    left join agencies on compared.catalogue_code = agencies.agency_code

)

select * from final
