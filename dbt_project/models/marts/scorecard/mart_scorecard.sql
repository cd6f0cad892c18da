{#- Province and agency scorecard against the targets of Kế hoạch 08-KH/TU: for every target year, the
    actual (computed by the warehouse where it can be, else the latest figure the province published),
    the gap and a status. A target year still in the future is judged on the latest year measured. -#}
with

targets as (

    select * from {{ ref('targets') }}

),

indicators as (

    select indicator_code, name_vi, name_en, unit, owner_agency_code from {{ ref('dim_indicator') }}

),

agencies as (

    select agency_code, name_vi from {{ ref('dim_agency') }} where is_current

),

warehouse as (

    -- the latest measured year up to the target year, per scope
    select distinct on (targets.target_id, actuals.scope_code)
        targets.target_id,
        actuals.scope_code,
        actuals.year_number as measured_year,
        actuals.measured_from,
        actuals.measured_to,
        actuals.actual_value,
        actuals.is_synthetic
    from targets
    inner join {{ ref('scorecard__warehouse_actuals') }} as actuals
        on actuals.indicator_code = targets.indicator_code
        and actuals.year_number <= targets.target_year
    where actuals.actual_value is not null
    order by targets.target_id, actuals.scope_code, actuals.year_number desc

),

actual_codes as (

    -- a target is measured by its own code, the code without "tgt_", or a rate with the same counts
    select distinct targets.indicator_code as target_code, candidate.indicator_code as actual_code
    from targets
    inner join {{ ref('dim_indicator') }} as target_indicator
        on target_indicator.indicator_code = targets.indicator_code
    inner join {{ ref('dim_indicator') }} as candidate
        on candidate.indicator_code in (targets.indicator_code, regexp_replace(targets.indicator_code, '^tgt_', ''))
        or (candidate.indicator_kind = 'rate'
            and candidate.numerator_code = target_indicator.numerator_code
            and candidate.denominator_code = target_indicator.denominator_code)

),

published as (

    -- the latest published actual of the same indicator up to the end of the target year (province only)
    select distinct on (targets.target_id)
        targets.target_id,
        figures.figure_id,
        figures.value as actual_value,
        figures.window_end as measured_to,
        figures.source_ref
    from targets
    inner join actual_codes on actual_codes.target_code = targets.indicator_code
    inner join {{ ref('int_published__figures') }} as figures
        on figures.indicator_code = actual_codes.actual_code
        and figures.scope_level = 'province_total'
        and figures.comparator = '='
        and figures.value is not null
        and extract(year from figures.window_end) <= targets.target_year
    order by targets.target_id, figures.window_end desc, figures.figure_id

),

scopes as (

    select targets.target_id, 'province_total' as scope_code from targets
    union
    select target_id, scope_code from warehouse

),

combined as (

    select
        targets.target_id,
        targets.plan,
        targets.indicator_code,
        scopes.scope_code,
        targets.target_year,
        targets.comparator,
        targets.value as target_value,
        targets.unit,
        targets.source_ref as target_source_ref,
        coalesce(warehouse.actual_value, case when scopes.scope_code = 'province_total' then published.actual_value end)
            as actual_value,
        case
            when warehouse.actual_value is not null then 'warehouse'
            when scopes.scope_code = 'province_total' and published.actual_value is not null then 'published'
        end as actual_source,
        coalesce(warehouse.measured_to, case when scopes.scope_code = 'province_total' then published.measured_to end)
            as measured_to,
        case when warehouse.actual_value is null and scopes.scope_code = 'province_total'
            then published.source_ref end as actual_source_ref,
        coalesce(warehouse.is_synthetic, false) as is_synthetic
    from targets
    inner join scopes on scopes.target_id = targets.target_id
    left join warehouse on warehouse.target_id = targets.target_id and warehouse.scope_code = scopes.scope_code
    left join published on published.target_id = targets.target_id

),

judged as (

    select
        *,
        actual_value - target_value as gap,
        case
            when actual_value is null then null
            when comparator in ('≥', '>=') then actual_value >= target_value
            when comparator = '>' then actual_value > target_value
            else actual_value >= target_value  -- "đạt 100%" is met at 100 %
        end as meets_target,
        extract(year from measured_to) < target_year as is_target_year_ahead
    from combined

),

final as (

    select
        judged.target_id,
        judged.plan,
        judged.indicator_code,
        indicators.name_vi as indicator_name_vi,
        indicators.name_en as indicator_name_en,
        judged.scope_code,
        coalesce(agencies.name_vi, 'Toàn tỉnh') as scope_name_vi,
        indicators.owner_agency_code,
        judged.target_year,
        judged.comparator,
        judged.target_value,
        judged.unit,
        judged.actual_value,
        judged.actual_source,
        judged.actual_source_ref,
        judged.measured_to,
        judged.gap,
        case
            when judged.actual_value is null then 'no_data'
            when judged.is_target_year_ahead and judged.meets_target then 'on_track'
            when judged.is_target_year_ahead then 'behind'
            when judged.meets_target then 'met'
            else 'not_met'
        end as status,
        case
            when judged.actual_value is null then 'Chưa có số liệu'
            when judged.is_target_year_ahead and judged.meets_target then 'Đang đạt'
            when judged.is_target_year_ahead then 'Chưa đạt, cần đẩy nhanh'
            when judged.meets_target then 'Đạt'
            else 'Không đạt'
        end as status_vi,
        judged.is_synthetic,
        judged.target_source_ref
    from judged
    inner join indicators on indicators.indicator_code = judged.indicator_code
    left join agencies on agencies.agency_code = judged.scope_code

)

select * from final
