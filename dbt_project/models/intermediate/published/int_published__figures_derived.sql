{#- Published figures plus the ones they imply, so checks can compare like with like:
    (1) a province total from its levels (tỉnh + xã + Trung ương) when no total was printed;
    (2) the one missing part of an identity (total minus the other parts), e.g. direct = received − online. -#}
with

published as (

    select * from {{ ref('int_published__figures') }}
    where value is not null and comparator = '='

),

identities as (

    select identity_code, total_code, string_to_array(part_codes, ';') as part_codes
    from {{ ref('indicator_identities') }}

),

level_rollups as (

    select
        'sum_levels:' || min(figure_id) as figure_id,
        indicator_code,
        min(indicator_kind) as indicator_kind,
        min(aggregation) as aggregation,
        sum(value) as value,
        'province_total' as scope_level,
        agency_name,
        dimension,
        min(period_type) as period_type,
        window_start,
        window_end,
        bool_or(is_start_assumed) as is_start_assumed,
        string_agg(distinct source_ref, ', ') as source_ref,
        string_agg(figure_id, '+' order by figure_id) as derived_from
    from published
    where scope_level in ('central', 'province', 'commune') and indicator_kind = 'count'
    group by indicator_code, agency_name, dimension, window_start, window_end
    having count(*) filter (where scope_level = 'province') = 1
       and count(*) filter (where scope_level = 'commune') = 1
       and not exists (
           select 1 from published as total
           where total.scope_level = 'province_total'
             and total.indicator_code = published.indicator_code
             and total.agency_name = published.agency_name
             and total.dimension = published.dimension
             and total.window_start is not distinct from published.window_start
             and total.window_end is not distinct from published.window_end
       )

),

with_rollups as (

    select figure_id, indicator_code, indicator_kind, aggregation, value, scope_level, agency_name, dimension,
           period_type, window_start, window_end, is_start_assumed, source_ref, false as is_derived,
           derived_from
    from published
    union all
    select figure_id, indicator_code, indicator_kind, aggregation, value, scope_level, agency_name, dimension,
           period_type, window_start, window_end, is_start_assumed, source_ref, true as is_derived,
           derived_from
    from level_rollups

),

contexts as (

    select *, concat_ws('|', scope_level, agency_name, dimension,
                        coalesce(window_start::text, '?'), coalesce(window_end::text, '?')) as context_key
    from with_rollups

),

identity_members as (

    select identities.identity_code, identities.total_code, member.code as part_code, identities.part_codes
    from identities
    cross join lateral unnest(identities.part_codes) as member (code)

),

implied_parts as (

    select
        'implied:' || identity_members.identity_code || ':' || total.figure_id as figure_id,
        identity_members.part_code as indicator_code,
        'count' as indicator_kind,
        'sum' as aggregation,
        total.value - sum(known.value) as value,
        total.scope_level,
        total.agency_name,
        total.dimension,
        total.period_type,
        total.window_start,
        total.window_end,
        total.is_start_assumed,
        total.source_ref || ', ' || string_agg(distinct known.source_ref, ', ') as source_ref,
        true as is_derived,
        total.figure_id || '-' || string_agg(known.figure_id, '-' order by known.figure_id) as derived_from,
        total.context_key
    from identity_members
    inner join contexts as total
        on total.indicator_code = identity_members.total_code
    inner join contexts as known
        on known.context_key = total.context_key
        and known.indicator_code = any(identity_members.part_codes)
        and known.indicator_code <> identity_members.part_code
    where not exists (
        select 1 from contexts as given
        where given.context_key = total.context_key and given.indicator_code = identity_members.part_code
    )
    group by identity_members.identity_code, identity_members.part_code, identity_members.part_codes,
             total.figure_id, total.indicator_code, total.value, total.scope_level, total.agency_name,
             total.dimension, total.period_type, total.window_start, total.window_end, total.is_start_assumed,
             total.source_ref, total.context_key
    having count(distinct known.indicator_code) = cardinality(identity_members.part_codes) - 1

)

select figure_id, indicator_code, indicator_kind, aggregation, value, scope_level, agency_name, dimension,
       period_type, window_start, window_end, is_start_assumed, source_ref, is_derived, derived_from, context_key
from contexts
union all
select figure_id, indicator_code, indicator_kind, aggregation, value, scope_level, agency_name, dimension,
       period_type, window_start, window_end, is_start_assumed, source_ref, is_derived, derived_from, context_key
from implied_parts
