{#- Where the province's documents contradict themselves, one row per finding (see int_published__checks). -#}
with

findings as (

    select * from {{ ref('int_published__checks') }}

),

indicators as (

    select indicator_code, name_vi from {{ ref('dim_indicator') }}

),

final as (

    select
        findings.finding_id,
        findings.rule_code,
        case findings.rule_code
            when 'rate_vs_counts' then 'Tỷ lệ không khớp với số đếm của chính nó'
            when 'conflicting_values' then 'Cùng một số liệu được công bố với hai giá trị'
            when 'parts_vs_total' then 'Các thành phần không cộng đúng bằng tổng'
            when 'window_containment' then 'Số lũy kế nhỏ hơn số của kỳ nằm trong nó'
        end as rule_name_vi,
        findings.indicator_code,
        indicators.name_vi as indicator_name_vi,
        findings.figure_ids,
        findings.source_refs,
        findings.found_value,
        findings.expected_value,
        findings.difference,
        findings.description_vi
    from findings
    inner join indicators on findings.indicator_code = indicators.indicator_code

)

select * from final
