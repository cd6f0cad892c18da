{#- Every data-quality finding ever seen, open or resolved, with what to correct: one row per finding. History
    comes from the snapshot of the rules' findings (first seen, last seen, resolved when a corrected file
    superseded the bad one); names, severity and advice from seeds/quality_rules.csv; the agency to act is
    the indicator's owner in the catalogue. is_new: first seen by the build that made this table. -#}
with

versions as (

    select * from {{ ref('snap_quality_findings') }}

),

history as (

    select
        finding_id,
        -- dbt writes snapshot times without a zone, in the session's zone
        min(dbt_valid_from)::timestamptz as first_seen_at,
        bool_or(dbt_valid_to is null) as is_open,
        max(dbt_valid_to)::timestamptz as last_closed_at
    from versions
    group by finding_id

),

latest as (

    -- the open version, else the last one
    select distinct on (finding_id) *
    from versions
    order by finding_id, dbt_valid_to desc nulls first

),

rules as (

    select * from {{ ref('quality_rules') }}

),

origins as (

    select origin, name_vi, can_block_night from {{ ref('figure_origins') }}

),

indicators as (

    select indicator_code, name_vi, owner_agency_code from {{ ref('indicators') }}

),

agencies as (

    select agency_code, name_vi from {{ ref('agencies') }}

),

final as (

    select
        latest.finding_id,
        latest.rule_code,
        rules.name_vi as rule_name_vi,
        rules.severity,
        rules.severity = 'error' and origins.can_block_night as blocks_night,
        case when history.is_open then 'open' else 'resolved' end as status,
        history.is_open and history.first_seen_at >= '{{ run_started_at }}'::timestamptz as is_new,
        history.first_seen_at,
        case when history.is_open then '{{ run_started_at }}'::timestamptz else history.last_closed_at end
            as last_seen_at,
        case when not history.is_open then history.last_closed_at end as resolved_at,
        latest.origin,
        origins.name_vi as origin_name_vi,
        latest.origins,
        latest.indicator_code,
        indicators.name_vi as indicator_name_vi,
        indicators.owner_agency_code,
        agencies.name_vi as owner_agency_name_vi,
        latest.scope_level,
        latest.window_start,
        latest.window_end,
        latest.as_of_date as report_date,
        latest.file_name,
        latest.sheet,
        latest.cell,
        latest.source_refs,
        latest.figure_ids,
        latest.found_value,
        latest.expected_value,
        latest.difference,
        latest.description_vi,
        rules.action_vi,
        latest.involves_synthetic
    from latest
    inner join history on history.finding_id = latest.finding_id
    inner join rules on rules.rule_code = latest.rule_code
    inner join origins on origins.origin = latest.origin
    left join indicators on indicators.indicator_code = latest.indicator_code
    left join agencies on agencies.agency_code = indicators.owner_agency_code

)

select * from final
