{#- Where the province's reports contradict themselves: the findings of the quality rules among published
    figures only (figures__checks; every origin's findings are in mart_quality_findings). -#}
with

findings as (

    select * from {{ ref('figures__checks') }}
    where origins = 'published'

),

rules as (

    select rule_code, name_vi from {{ ref('quality_rules') }}

),

indicators as (

    select indicator_code, name_vi from {{ ref('dim_indicator') }}

),

final as (

    select
        findings.finding_id,
        findings.rule_code,
        rules.name_vi as rule_name_vi,
        findings.indicator_code,
        indicators.name_vi as indicator_name_vi,
        findings.figure_ids,
        findings.source_refs,
        findings.found_value,
        findings.expected_value,
        findings.difference,
        findings.description_vi
    from findings
    inner join rules on rules.rule_code = findings.rule_code
    inner join indicators on findings.indicator_code = indicators.indicator_code

)

select * from final
