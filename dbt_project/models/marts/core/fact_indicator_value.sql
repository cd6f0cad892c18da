{#- The narrow fact every mart and export reads: counts only (rates are computed in marts from these). -#}
with

values_unpivoted as (

    select * from {{ ref('int_indicator_values_unpivoted') }}

),

periods as (

    select date_key, date_day from {{ ref('dim_period') }}

),

final as (

    select
        values_unpivoted.agency_code,
        periods.date_key,
        values_unpivoted.report_date,
        values_unpivoted.indicator_code,
        values_unpivoted.value,
        values_unpivoted.batch_id,
        values_unpivoted.is_synthetic
    from values_unpivoted
    inner join periods on values_unpivoted.report_date = periods.date_day

)

select * from final
