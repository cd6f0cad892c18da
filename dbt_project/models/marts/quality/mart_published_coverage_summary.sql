{#- How much of what the province published the warehouse can check: one row per indicator family
    (and one for all families), with the figures per status. -#}
with

coverage as (

    select * from {{ ref('mart_published_coverage') }}

),

final as (

    select
        coalesce(family, 'all') as family,
        count(*)::integer as figure_count,
        (count(*) filter (where status = 'matched'))::integer as matched_count,
        (count(*) filter (where status = 'differs'))::integer as differs_count,
        (count(*) filter (where status = 'inconsistent'))::integer as inconsistent_count,
        (count(*) filter (where status = 'not_computable'))::integer as not_computable_count
    from coverage
    group by grouping sets ((family), ())

)

select * from final
