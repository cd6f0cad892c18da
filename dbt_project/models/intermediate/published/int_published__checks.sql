{#- General consistency rules over the published figures (and those they imply). One row per finding.
    rate_vs_counts      a stated rate differs from the rate recomputed from its own counts (beyond printing)
    conflicting_values  the same indicator, scope and window is stated with different values
    parts_vs_total      an identity (received = online + direct, ...) does not add up
    window_containment  an additive count over a window is smaller than over a window inside it
                        (covers "a cumulative figure never falls") -#}
with

published as (

    select * from {{ ref('int_published__figures') }}

),

figures as (

    select * from {{ ref('int_published__figures_derived') }}

),

identities as (

    select identity_code, total_code, string_to_array(part_codes, ';') as part_codes, description_vi
    from {{ ref('indicator_identities') }}

),

rate_candidates as (

    -- where a context holds several values for a count, prefer those printed with the rate itself
    select
        rate.figure_id,
        rate.indicator_code,
        rate.value as stated,
        rate.comparator,
        rate.printed_decimals,
        rate.source_ref,
        num.derived_from as numerator_figure_id,
        den.derived_from as denominator_figure_id,
        num.source_ref as numerator_source_ref,
        den.source_ref as denominator_source_ref,
        100.0 * num.value / nullif(den.value, 0) as recomputed,
        rank() over (
            partition by rate.figure_id
            order by (num.source_ref = rate.source_ref)::int + (den.source_ref = rate.source_ref)::int desc
        ) as preference
    from published as rate
    inner join figures as num
        on num.indicator_code = rate.numerator_code and num.context_key = rate.context_key
    inner join figures as den
        on den.indicator_code = rate.denominator_code and den.context_key = rate.context_key
    where rate.indicator_kind = 'rate' and rate.value is not null

),

rate_inputs as (

    select * from rate_candidates where preference = 1

),

rate_findings as (

    select
        'rate_vs_counts' as rule_code,
        indicator_code,
        figure_id || ',' || numerator_figure_id || ',' || denominator_figure_id as figure_ids,
        concat_ws(', ', source_ref, numerator_source_ref, denominator_source_ref) as source_refs,
        stated as found_value,
        round(recomputed, 4) as expected_value,
        'Tỷ lệ công bố ' || stated || '% khác tỷ lệ tính lại từ số đếm ' || round(recomputed, 2) || '%'
            as description_vi
    from rate_inputs
    where recomputed is not null
      and not (
          (comparator = '=' and (
              abs(stated - recomputed) <= {{ var('rate_tolerance_pp') }}
              or stated = trunc(recomputed, printed_decimals)
              or stated = round(recomputed, printed_decimals)))
          or (comparator in ('≥', '>=') and recomputed >= stated)
          or (comparator = '>' and recomputed > stated)
          or (comparator = '~' and abs(stated - recomputed) <= 1)
      )

),

conflict_findings as (

    select
        'conflicting_values' as rule_code,
        a.indicator_code,
        a.figure_id || ',' || b.figure_id as figure_ids,
        a.source_ref || ', ' || b.source_ref as source_refs,
        b.value as found_value,
        a.value as expected_value,
        'Cùng chỉ số, phạm vi và kỳ nhưng công bố hai giá trị: ' || a.value || ' (' || a.source_ref || ') và '
            || b.value || ' (' || b.source_ref || ')' as description_vi
    from published as a
    inner join published as b
        on a.indicator_code = b.indicator_code
        and a.context_key = b.context_key
        and a.figure_id < b.figure_id
        and a.value <> b.value
    where a.comparator = '=' and b.comparator = '='
      and a.window_end is not null

),

identity_sums as (

    select
        identities.identity_code,
        identities.description_vi,
        total.figure_id as total_figure_id,
        total.indicator_code,
        total.value as total_value,
        total.source_ref,
        sum(part.value) as parts_value,
        count(distinct part.indicator_code) as parts_found,
        count(*) as part_values,
        cardinality(identities.part_codes) as parts_needed,
        string_agg(part.figure_id, ',' order by part.figure_id) as part_figure_ids,
        string_agg(distinct part.source_ref, ', ') as part_source_refs
    from identities
    inner join figures as total on total.indicator_code = identities.total_code and not total.is_derived
    inner join figures as part
        on part.context_key = total.context_key
        and part.indicator_code = any(identities.part_codes)
        and not part.is_derived
    group by identities.identity_code, identities.description_vi, identities.part_codes, total.figure_id,
             total.indicator_code, total.value, total.source_ref

),

identity_findings as (

    select
        'parts_vs_total' as rule_code,
        indicator_code,
        total_figure_id || ',' || part_figure_ids as figure_ids,
        source_ref || ', ' || part_source_refs as source_refs,
        parts_value as found_value,
        total_value as expected_value,
        description_vi || ': tổng ' || total_value || ' nhưng các thành phần cộng lại ' || parts_value
            as description_vi
    from identity_sums
    -- a part stated twice in the context is already a conflicting_values finding; the sum would be meaningless
    where parts_found = parts_needed and part_values = parts_found and parts_value <> total_value

),

containment_findings as (

    select
        'window_containment' as rule_code,
        outer_w.indicator_code,
        outer_w.derived_from || ',' || inner_w.derived_from as figure_ids,
        outer_w.source_ref || ', ' || inner_w.source_ref as source_refs,
        outer_w.value as found_value,
        inner_w.value as expected_value,
        'Số cộng dồn ' || outer_w.value || ' (' || outer_w.window_start || '–' || outer_w.window_end
            || ') nhỏ hơn số của kỳ nằm trong nó ' || inner_w.value || ' (' || inner_w.window_start || '–'
            || inner_w.window_end || ')' as description_vi
    from figures as outer_w
    inner join figures as inner_w
        on outer_w.indicator_code = inner_w.indicator_code
        and outer_w.scope_level = inner_w.scope_level
        and outer_w.agency_name = inner_w.agency_name
        and outer_w.dimension = inner_w.dimension
        and outer_w.window_start <= inner_w.window_start
        and outer_w.window_end >= inner_w.window_end
        and (outer_w.window_start, outer_w.window_end) <> (inner_w.window_start, inner_w.window_end)
    where outer_w.aggregation = 'sum'
      and outer_w.period_type in ('period', 'cumulative')
      and inner_w.period_type in ('period', 'cumulative')
      and outer_w.value < inner_w.value

),

findings as (

    select * from rate_findings
    union all
    select * from conflict_findings
    union all
    select * from identity_findings
    union all
    select * from containment_findings

)

select
    md5(rule_code || '|' || figure_ids) as finding_id,
    rule_code,
    indicator_code,
    figure_ids,
    source_refs,
    found_value,
    expected_value,
    found_value - expected_value as difference,
    description_vi
from findings
