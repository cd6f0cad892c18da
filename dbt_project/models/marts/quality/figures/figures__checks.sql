{#- The quality rules over every figure of every origin (figures__all), one row per finding. Each rule is
    one general query; what it applies to is data: the catalogue (rates and their counts, aggregation), the
    identities seed (sum, at_most, sum_of_levels, never_decreases) and the origins seed. seeds/quality_rules.csv
    names, grades and explains each rule.
      rate_vs_counts        a rate differs from the rate of its own counts in the same statement
      parts_vs_total        an identity of the same statement does not add up
      levels_vs_total       a total (row) differs from the sum of its levels
      at_most               parts exceed what contains them (activated > applications)
      never_decreases       a running stock falls from one date to a later one
      window_containment    an additive count over a window is below the count of a window inside it
      conflicting_values    the same origin states one figure with two values
      origins_disagree      two origins (annex, report, feed) give the same figure differently
      window_vs_report_date a period read from a header does not fit the file's report date
      window_vs_title       a section title states another period than its columns -#}
{{ config(materialized='table') }}

with

figures as (

    select * from {{ ref('figures__all') }}

),

exact as (

    select * from figures where value is not null and comparator = '='

),

identities as (

    select identity_code, relation, total_code, string_to_array(part_codes, ';') as part_codes,
           description_vi
    from {{ ref('indicator_identities') }}

),

origin_ranks as (

    select origin, reference_rank, name_vi as origin_name_vi from {{ ref('figure_origins') }}

),

---------- rate_vs_counts
rate_candidates as (

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
        -- where a context holds several values for a count, prefer those printed with the rate itself
        rank() over (
            partition by rate.figure_id
            order by (num.source_ref = rate.source_ref)::int + (den.source_ref = rate.source_ref)::int desc
        ) as preference
    from figures as rate
    inner join exact as num
        on num.statement_key = rate.statement_key and num.provider_name = rate.provider_name
        and num.context_key = rate.context_key and num.indicator_code = rate.numerator_code
    inner join exact as den
        on den.statement_key = rate.statement_key and den.provider_name = rate.provider_name
        and den.context_key = rate.context_key and den.indicator_code = rate.denominator_code
    where rate.indicator_kind = 'rate' and rate.value is not null and not rate.is_derived
      and rate.origin <> 'feed'  -- a feed's rates are computed from its counts

),

rate_findings as (

    select
        'rate_vs_counts' as rule_code,
        indicator_code,
        figure_id as subject_figure_id,
        numerator_figure_id as counterpart_figure_id,
        figure_id || ',' || numerator_figure_id || ',' || denominator_figure_id as figure_ids,
        concat_ws(', ', source_ref, numerator_source_ref, denominator_source_ref) as source_refs,
        stated as found_value,
        round(recomputed, 4) as expected_value,
        'Tỷ lệ ' || {{ vi_number('stated') }} || '% khác tỷ lệ tính lại từ số đếm '
            || {{ vi_number('round(recomputed, 2)') }} || '%' as description_vi
    from rate_candidates
    where preference = 1 and recomputed is not null
      and not {{ value_accepts('stated', 'comparator', 'recomputed', 'true', 'printed_decimals') }}

),

---------- parts_vs_total, at_most, levels_vs_total: a total and its parts in one statement
memberships as (

    -- an indicator identity: the parts are other indicators in the total's context
    select
        identities.identity_code, identities.relation, identities.description_vi,
        cardinality(identities.part_codes) as parts_needed,
        total.figure_id as total_figure_id, total.indicator_code, total.value as total_value,
        total.source_ref as total_source_ref,
        part.figure_id as part_figure_id, part.indicator_code as part_key, part.value as part_value,
        part.source_ref as part_source_ref
    from identities
    inner join exact as total on total.indicator_code = identities.total_code and not total.is_derived
    inner join exact as part
        on part.statement_key = total.statement_key
        and part.provider_name = total.provider_name
        and part.context_key = total.context_key
        and part.indicator_code = any(identities.part_codes)
        and not part.is_derived
    where identities.relation in ('sum', 'at_most')

    union all

    -- a level identity: the parts are the same indicator, breakdown and window at the levels
    select
        identities.identity_code, identities.relation, identities.description_vi,
        cardinality(identities.part_codes) as parts_needed,
        total.figure_id as total_figure_id, total.indicator_code, total.value as total_value,
        total.source_ref as total_source_ref,
        part.figure_id as part_figure_id, part.scope_level as part_key, part.value as part_value,
        part.source_ref as part_source_ref
    from identities
    inner join exact as total on total.scope_level = identities.total_code and not total.is_derived
    inner join exact as part
        on part.statement_key = total.statement_key
        and part.provider_name = total.provider_name
        and part.indicator_code = total.indicator_code
        and part.dimension = total.dimension
        and part.window_type = total.window_type
        and part.window_start is not distinct from total.window_start
        and part.window_end = total.window_end
        and part.scope_level = any(identities.part_codes)
        and not part.is_derived
    where identities.relation = 'sum_of_levels'
      and total.indicator_kind = 'count' and total.aggregation in ('sum', 'snapshot')

),

membership_sums as (

    select
        identity_code, relation, description_vi, parts_needed, total_figure_id, indicator_code, total_value,
        total_source_ref,
        sum(part_value) as parts_value,
        count(distinct part_key) as parts_found,
        count(*) as part_values,
        bool_or(part_key = 'province') and bool_or(part_key = 'commune') as has_both_levels,
        string_agg(part_figure_id, ',' order by part_figure_id) as part_figure_ids,
        min(part_figure_id) as first_part_figure_id,
        string_agg(distinct part_source_ref, ', ') as part_source_refs,
        string_agg(case part_key when 'central' then 'cấp Trung ương' when 'province' then 'cấp tỉnh'
                                 when 'commune' then 'cấp xã' else part_key end
                   || ' ' || {{ vi_number('part_value') }}, ' + ' order by part_key desc) as parts_text
    from memberships
    group by identity_code, relation, description_vi, parts_needed, total_figure_id, indicator_code, total_value,
             total_source_ref

),

identity_findings as (

    select
        case relation when 'sum' then 'parts_vs_total' when 'at_most' then 'at_most' else 'levels_vs_total' end
            as rule_code,
        indicator_code,
        total_figure_id as subject_figure_id,
        first_part_figure_id as counterpart_figure_id,
        total_figure_id || ',' || part_figure_ids as figure_ids,
        total_source_ref || ', ' || part_source_refs as source_refs,
        parts_value as found_value,
        total_value as expected_value,
        case relation
            when 'sum' then description_vi || ': tổng ' || {{ vi_number('total_value') }}
                || ' nhưng các thành phần cộng lại ' || {{ vi_number('parts_value') }}
            when 'at_most' then description_vi || ': ' || {{ vi_number('parts_value') }} || ' lớn hơn '
                || {{ vi_number('total_value') }}
            else 'Tổng ' || {{ vi_number('total_value') }} || ' khác tổng các cấp ' || {{ vi_number('parts_value') }}
                || ' (' || parts_text || ')'
        end as description_vi
    from membership_sums
    -- a part stated twice in the context is a conflicting_values finding; the sum would be meaningless
    where part_values = parts_found
      and ((relation = 'sum' and parts_found = parts_needed and parts_value <> total_value)
           or (relation = 'at_most' and parts_value > total_value)
           or (relation = 'sum_of_levels' and has_both_levels and parts_value <> total_value))

),

---------- never_decreases
monotone as (

    select
        figures.*,
        lag(figures.figure_id) over series as previous_figure_id,
        lag(figures.value) over series as previous_value,
        lag(figures.window_end) over series as previous_date,
        lag(figures.source_ref) over series as previous_source_ref
    from exact as figures
    inner join identities
        on identities.relation = 'never_decreases' and identities.total_code = figures.indicator_code
    where not figures.is_derived
    window series as (
        partition by figures.origin, figures.indicator_code, figures.scope_level, figures.dimension,
                     figures.provider_name
        order by figures.window_end, figures.figure_id
    )

),

monotone_findings as (

    select
        'never_decreases' as rule_code,
        indicator_code,
        figure_id as subject_figure_id,
        previous_figure_id as counterpart_figure_id,
        figure_id || ',' || previous_figure_id as figure_ids,
        source_ref || ', ' || previous_source_ref as source_refs,
        value as found_value,
        previous_value as expected_value,
        'Số lũy kế ngày ' || to_char(window_end, 'DD/MM/YYYY') || ' là ' || {{ vi_number('value') }}
        || ', nhỏ hơn số ngày '
            || to_char(previous_date, 'DD/MM/YYYY') || ' là ' || {{ vi_number('previous_value') }} as description_vi
    from monotone
    where previous_date < window_end and value < previous_value

),

---------- window_containment
containment_findings as (

    select
        'window_containment' as rule_code,
        outer_w.indicator_code,
        outer_w.figure_id as subject_figure_id,
        inner_w.figure_id as counterpart_figure_id,
        outer_w.derived_from || ',' || inner_w.derived_from as figure_ids,
        outer_w.source_ref || ', ' || inner_w.source_ref as source_refs,
        outer_w.value as found_value,
        inner_w.value as expected_value,
        'Số của kỳ ' || to_char(outer_w.window_start, 'DD/MM/YYYY') || '–' || to_char(outer_w.window_end, 'DD/MM/YYYY')
            || ' là ' || {{ vi_number('outer_w.value') }} || ', nhỏ hơn số của kỳ nằm trong nó '
            || to_char(inner_w.window_start, 'DD/MM/YYYY') || '–' || to_char(inner_w.window_end, 'DD/MM/YYYY')
            || ' là ' || {{ vi_number('inner_w.value') }} as description_vi
    from exact as outer_w
    inner join exact as inner_w
        on outer_w.origin = inner_w.origin
        and outer_w.indicator_code = inner_w.indicator_code
        and outer_w.scope_level = inner_w.scope_level
        and outer_w.provider_name = inner_w.provider_name
        and outer_w.dimension = inner_w.dimension
        and outer_w.window_start <= inner_w.window_start
        and outer_w.window_end >= inner_w.window_end
        and (outer_w.window_start, outer_w.window_end) <> (inner_w.window_start, inner_w.window_end)
    where outer_w.aggregation = 'sum' and outer_w.indicator_kind = 'count'
      and outer_w.window_type <> 'snapshot' and inner_w.window_type <> 'snapshot'
      and outer_w.value < inner_w.value

),

---------- conflicting_values
conflict_findings as (

    select
        'conflicting_values' as rule_code,
        a.indicator_code,
        b.figure_id as subject_figure_id,
        a.figure_id as counterpart_figure_id,
        a.figure_id || ',' || b.figure_id as figure_ids,
        a.source_ref || ', ' || b.source_ref as source_refs,
        b.value as found_value,
        a.value as expected_value,
        'Cùng chỉ số, phạm vi và kỳ nhưng có hai giá trị: ' || {{ vi_number('a.value') }} || ' (' || a.source_ref
            || ') và ' || {{ vi_number('b.value') }} || ' (' || b.source_ref || ')' as description_vi
    from exact as a
    inner join exact as b
        on a.origin = b.origin
        and a.indicator_code = b.indicator_code
        and a.provider_name = b.provider_name
        and a.context_key = b.context_key
        and a.figure_id < b.figure_id
    where not a.is_derived and not b.is_derived and a.origin <> 'feed'
      and a.window_end is not null
      and not {{ value_accepts('a.value', "'='", 'b.value', "a.indicator_kind = 'rate'",
                               'least(a.printed_decimals, b.printed_decimals)') }}

),

---------- origins_disagree
ranked as (

    select figures.*, origin_ranks.reference_rank, origin_ranks.origin_name_vi
    from figures
    inner join origin_ranks on origin_ranks.origin = figures.origin
    where figures.value is not null

),

disagreement_findings as (

    select
        'origins_disagree' as rule_code,
        checked.indicator_code,
        checked.figure_id as subject_figure_id,
        reference.figure_id as counterpart_figure_id,
        checked.figure_id || ',' || reference.figure_id as figure_ids,
        checked.source_ref || ', ' || reference.source_ref as source_refs,
        checked.value as found_value,
        reference.value as expected_value,
        checked.origin_name_vi || ' ghi '
        || case when checked.comparator = '=' then '' else checked.comparator || ' ' end
            || {{ vi_number('checked.value') }} || ' (' || checked.source_ref || ') nhưng ' || reference.origin_name_vi
            || ' ghi ' || {{ vi_number('reference.value') }} || ' (' || reference.source_ref || ')'
            as description_vi
    from ranked as checked
    inner join ranked as reference
        on reference.reference_rank > checked.reference_rank
        and reference.indicator_code = checked.indicator_code
        and reference.context_key = checked.context_key
    -- a stated figure is checked, against a stated or implied one (the feed's total of its levels)
    where not checked.is_derived and reference.comparator = '='
      and not {{ value_accepts('checked.value', 'checked.comparator', 'reference.value',
                               "checked.indicator_kind = 'rate'", 'checked.printed_decimals') }}

),

---------- window_vs_report_date, window_vs_title: periods read from a file's headers
header_windows as (

    select
        statement_key,
        window_type,
        window_start,
        window_end,
        window_text,
        title_text,
        title_window_end,
        as_of_date,
        min(indicator_code) as indicator_code,
        -- the first cell of the header's column, reading the sheet top down and left to right
        (array_agg(figure_id order by sheet, substring(cell from '[0-9]+')::int, length(cell), cell))[1]
            as subject_figure_id,
        string_agg(figure_id, ',' order by figure_id) as figure_ids,
        string_agg(distinct file_name || ' › ' || sheet, ', ') as source_refs,
        case
            when as_of_date = (date_trunc('month', as_of_date) + interval '1 month - 1 day')::date then as_of_date
            else (date_trunc('month', as_of_date) - interval '1 day')::date
        end as last_complete_month_end
    from figures
    where (window_text is not null or title_window_end is not null) and not is_derived
    group by statement_key, window_type, window_start, window_end, window_text, title_text, title_window_end,
             as_of_date

),

report_date_findings as (

    select
        'window_vs_report_date' as rule_code,
        indicator_code,
        subject_figure_id,
        null::text as counterpart_figure_id,
        figure_ids,
        source_refs,
        null::numeric as found_value,
        null::numeric as expected_value,
        'Cột "' || window_text || '" là ' || case
                when window_type = 'snapshot' then 'số liệu tại ngày ' || to_char(window_end, 'DD/MM/YYYY')
                else 'kỳ ' || to_char(window_start, 'DD/MM/YYYY') || '–' || to_char(window_end, 'DD/MM/YYYY') end
            || case
                when window_end > as_of_date then ', sau ngày báo cáo '
                else ', trong khi ngày báo cáo là ' end
            || to_char(as_of_date, 'DD/MM/YYYY')
            || case when window_type = 'ytd' and window_end <= as_of_date
                then ' (ứng với ' || extract(month from last_complete_month_end) || ' tháng đầu năm)' else '' end
            || '; số liệu được giữ theo kỳ ghi ở cột' as description_vi
    from header_windows
    where window_text is not null
      and (window_end > as_of_date
           or (window_type = 'snapshot' and window_end <> as_of_date)
           or (window_type = 'ytd' and extract(year from window_end) = extract(year from as_of_date)
               and window_end <> last_complete_month_end))

),

title_findings as (

    select
        'window_vs_title' as rule_code,
        indicator_code,
        subject_figure_id,
        null::text as counterpart_figure_id,
        figure_ids,
        source_refs,
        null::numeric as found_value,
        null::numeric as expected_value,
        'Tiêu đề mục "' || title_text || '" ghi kỳ đến ' || to_char(title_window_end, 'DD/MM/YYYY')
            || ' nhưng ' || coalesce('cột "' || window_text || '"', 'số liệu (ngày báo cáo)') || ' ghi kỳ đến '
            || to_char(window_end, 'DD/MM/YYYY') || '; số liệu được giữ theo kỳ ghi ở cột' as description_vi
    from header_windows
    where title_window_end is not null and title_window_end <> window_end

),

findings as (

    select * from rate_findings
    union all
    select * from identity_findings
    union all
    select * from monotone_findings
    union all
    select * from containment_findings
    union all
    select * from conflict_findings
    union all
    select * from disagreement_findings
    union all
    select * from report_date_findings
    union all
    select * from title_findings

),

final as (

    select
        md5(findings.rule_code || '|' || findings.figure_ids) as finding_id,
        findings.rule_code,
        findings.indicator_code,
        subject.origin,
        concat_ws(',', least(subject.origin, counterpart.origin), nullif(greatest(subject.origin, counterpart.origin),
                  least(subject.origin, counterpart.origin))) as origins,
        subject.scope_level,
        subject.window_start,
        subject.window_end,
        subject.as_of_date,
        findings.subject_figure_id,
        findings.counterpart_figure_id,
        findings.figure_ids,
        (select string_agg(distinct ref, ', ') from unnest(string_to_array(findings.source_refs, ', ')) as refs (ref))
            as source_refs,
        subject.file_name,
        subject.sheet,
        subject.cell,
        subject.batch_id,
        findings.found_value,
        findings.expected_value,
        findings.found_value - findings.expected_value as difference,
        coalesce(findings.description_vi, '') as description_vi,
        subject.is_synthetic or coalesce(counterpart.is_synthetic, false) as involves_synthetic
    from findings
    inner join figures as subject on subject.figure_id = findings.subject_figure_id
    left join figures as counterpart on counterpart.figure_id = findings.counterpart_figure_id

)

select * from final
