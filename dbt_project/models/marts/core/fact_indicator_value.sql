{#- The narrow fact every mart and export reads: counts only (rates are computed in marts from these).
    Incremental: a run re-derives only the days that received a batch since the last run, deleting and
    re-inserting every row of those days (so a superseded batch never leaves rows behind); a full refresh
    rebuilds everything and gives the same table. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='report_date',
    on_schema_change='fail',
) }}

with

values_unpivoted as (

    select * from {{ ref('int_indicator_values_unpivoted') }}
    {% if is_incremental() %}
    where {{ days_with_new_batches(ref('int_indicator_values_unpivoted')) }}
    {% endif %}

),

periods as (

    select date_key, date_day from {{ ref('dim_period') }}

),

agency_versions as (

    select agency_key, agency_code, valid_from, valid_to from {{ ref('dim_agency') }}

),

final as (

    select
        agency_versions.agency_key,
        values_unpivoted.agency_code,
        periods.date_key,
        values_unpivoted.report_date,
        values_unpivoted.indicator_code,
        values_unpivoted.value,
        values_unpivoted.batch_id,
        values_unpivoted.is_synthetic,
        values_unpivoted.loaded_at
    from values_unpivoted
    inner join periods on values_unpivoted.report_date = periods.date_day
    -- type-2 join: the version of the agency valid on the day of the figure
    left join agency_versions
        on {{ agency_version_valid_on('agency_versions', 'values_unpivoted.agency_code', 'values_unpivoted.report_date') }}

)

select * from final
