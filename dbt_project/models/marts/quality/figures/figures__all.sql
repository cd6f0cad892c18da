{#- Every figure the warehouse knows, whatever its origin (var figure_origin_models: published reports, annex
    files, source feeds), in one shape, with the catalogue's kind and aggregation and the figures they imply:
    (1) a province total from its levels when the statement gives none (indicator_identities sum_of_levels);
    (2) the one missing part of an identity (direct = received − online). Derived figures combine figures of
    one statement only (the published reports, one annex file, the feeds). The quality rules read this. -#}
{{ config(materialized='table') }}

with

origins as (

    {% for origin_model in var('figure_origin_models') %}
    select * from {{ ref(origin_model) }}
    {{ "union all" if not loop.last }}
    {% endfor %}

),

catalogue as (

    select indicator_code, kind as indicator_kind, aggregation, numerator_code, denominator_code, unit
    from {{ ref('indicators') }}

),

typed as (

    -- a stock, and a rate of two stocks (activated ÷ applications), is a value at a date whatever a report
    -- calls its window ("lũy kế", "đến nay"): it compares with other origins by that date
    select
        origins.*,
        catalogue.indicator_kind,
        catalogue.aggregation,
        catalogue.numerator_code,
        catalogue.denominator_code,
        catalogue.aggregation = 'snapshot'
            or (numerators.aggregation = 'snapshot' and denominators.aggregation = 'snapshot') as is_stock
    from origins
    inner join catalogue on catalogue.indicator_code = origins.indicator_code
    left join catalogue as numerators on numerators.indicator_code = catalogue.numerator_code
    left join catalogue as denominators on denominators.indicator_code = catalogue.denominator_code

),

stated as (

    select
        figure_id, origin, statement_key, indicator_code, scope_level, dimension, provider_name,
        case when is_stock then 'snapshot' else window_type end as window_type,
        case when is_stock then window_end else window_start end as window_start,
        window_end, as_of_date, value, value_raw, comparator, printed_decimals,
        is_start_assumed and not is_stock as is_start_assumed,
        source_ref, quote, file_name, sheet, cell, batch_id, window_text, title_text, title_window_end, is_synthetic,
        indicator_kind, aggregation, numerator_code, denominator_code,
        false as is_derived,
        figure_id as derived_from
    from typed

),

levels as (

    select string_to_array(part_codes, ';') as level_codes, total_code as total_scope
    from {{ ref('indicator_identities') }}
    where relation = 'sum_of_levels'

),

exact as (

    select * from stated where value is not null and comparator = '='

),

level_rollups as (

    select
        'sum_levels:' || min(exact.figure_id) as figure_id,
        min(exact.origin) as origin,
        exact.statement_key,
        exact.indicator_code,
        levels.total_scope as scope_level,
        exact.dimension,
        exact.provider_name,
        min(exact.window_type) as window_type,
        exact.window_start,
        exact.window_end,
        max(exact.as_of_date) as as_of_date,
        sum(exact.value) as value,
        null::text as value_raw,
        '=' as comparator,
        0 as printed_decimals,
        bool_or(exact.is_start_assumed) as is_start_assumed,
        string_agg(distinct exact.source_ref, ', ') as source_ref,
        null::text as quote,
        min(exact.file_name) as file_name,
        min(exact.sheet) as sheet,
        null::text as cell,
        min(exact.batch_id::text)::uuid as batch_id,
        min(exact.window_text) as window_text,
        min(exact.title_text) as title_text,
        min(exact.title_window_end) as title_window_end,
        bool_or(exact.is_synthetic) as is_synthetic,
        min(exact.indicator_kind) as indicator_kind,
        min(exact.aggregation) as aggregation,
        null::text as numerator_code,
        null::text as denominator_code,
        true as is_derived,
        string_agg(exact.figure_id, '+' order by exact.figure_id) as derived_from
    from exact
    cross join levels
    where exact.scope_level = any(levels.level_codes)
      and exact.indicator_kind = 'count' and exact.aggregation in ('sum', 'snapshot')
    group by exact.statement_key, exact.indicator_code, levels.total_scope, exact.dimension, exact.provider_name,
             exact.window_start, exact.window_end
    having count(*) filter (where exact.scope_level = 'province') = 1
       and count(*) filter (where exact.scope_level = 'commune') = 1
       and count(*) = count(distinct exact.scope_level)
       and not exists (
           select 1 from stated as total
           where total.statement_key = exact.statement_key
             and total.scope_level = levels.total_scope
             and total.indicator_code = exact.indicator_code
             and total.dimension = exact.dimension
             and total.provider_name = exact.provider_name
             and total.window_start is not distinct from exact.window_start
             and total.window_end is not distinct from exact.window_end
       )

),

with_rollups as (

    select * from stated
    union all
    select * from level_rollups

),

contexts as (

    select *, {{ figure_context() }} as context_key from with_rollups

),

identity_members as (

    select identities.identity_code, identities.total_code, member.code as part_code,
           string_to_array(identities.part_codes, ';') as part_codes
    from {{ ref('indicator_identities') }} as identities
    cross join lateral unnest(string_to_array(identities.part_codes, ';')) as member (code)
    where identities.relation = 'sum'

),

implied_parts as (

    select
        'implied:' || identity_members.identity_code || ':' || total.figure_id as figure_id,
        total.origin,
        total.statement_key,
        identity_members.part_code as indicator_code,
        total.scope_level,
        total.dimension,
        total.provider_name,
        total.window_type,
        total.window_start,
        total.window_end,
        total.as_of_date,
        total.value - sum(known.value) as value,
        null::text as value_raw,
        '=' as comparator,
        0 as printed_decimals,
        total.is_start_assumed,
        total.source_ref || ', ' || string_agg(distinct known.source_ref, ', ') as source_ref,
        null::text as quote,
        total.file_name,
        total.sheet,
        null::text as cell,
        total.batch_id,
        total.window_text,
        total.title_text,
        total.title_window_end,
        total.is_synthetic,
        'count' as indicator_kind,
        catalogue.aggregation,
        null::text as numerator_code,
        null::text as denominator_code,
        true as is_derived,
        total.figure_id || '-' || string_agg(known.figure_id, '-' order by known.figure_id) as derived_from,
        total.context_key
    from identity_members
    inner join catalogue on catalogue.indicator_code = identity_members.part_code
    inner join contexts as total
        on total.indicator_code = identity_members.total_code
        and total.value is not null and total.comparator = '='
    inner join contexts as known
        on known.statement_key = total.statement_key
        and known.provider_name = total.provider_name
        and known.context_key = total.context_key
        and known.indicator_code = any(identity_members.part_codes)
        and known.indicator_code <> identity_members.part_code
        and known.value is not null and known.comparator = '='
    where not exists (
        select 1 from contexts as given
        where given.statement_key = total.statement_key and given.provider_name = total.provider_name
          and given.context_key = total.context_key and given.indicator_code = identity_members.part_code
    )
    group by identity_members.identity_code, identity_members.part_code, identity_members.part_codes,
             catalogue.aggregation, total.figure_id, total.origin, total.statement_key, total.scope_level,
             total.dimension, total.provider_name, total.window_type, total.window_start, total.window_end,
             total.as_of_date, total.value, total.is_start_assumed, total.source_ref, total.file_name, total.sheet,
             total.batch_id, total.window_text, total.title_text, total.title_window_end, total.is_synthetic,
             total.context_key
    having count(distinct known.indicator_code) = cardinality(identity_members.part_codes) - 1

),

final as (

    select * from contexts
    union all
    select * from implied_parts

)

select
    figure_id, origin, statement_key, indicator_code, indicator_kind, aggregation, numerator_code,
    denominator_code, scope_level, dimension, provider_name, window_type, window_start, window_end, as_of_date,
    value, value_raw, comparator, printed_decimals, is_start_assumed, source_ref, quote, file_name, sheet, cell,
    batch_id, window_text, title_text, title_window_end, is_synthetic, is_derived, derived_from, context_key
from final
