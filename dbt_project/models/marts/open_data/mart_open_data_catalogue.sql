{#- The open-data catalogue: each dataset published to data.lamdong.gov.vn with its metadata (seed
    open_data_datasets), its publisher, row count, temporal coverage and when its sources last loaded.
    Adding a dataset: a seed row and one branch in dataset_stats. -#}
with

datasets as (

    select * from {{ ref('open_data_datasets') }}

),

agencies as (

    select agency_code, name_vi, name_en from {{ ref('dim_agency') }} where is_current

),

dataset_stats as (

    select 'tthc_dossiers_by_agency_month' as dataset_code, count(*) as row_count,
           min(month_start) as temporal_start,
           (max(month_start) + interval '1 month - 1 day')::date as temporal_end,
           bool_or(is_synthetic) as is_synthetic
    from {{ ref('mart_tthc_agency_month') }}
    union all
    select 'scorecard_08_kh_tu', count(*), min(measured_to), max(measured_to), bool_or(is_synthetic)
    from {{ ref('mart_scorecard') }}
    union all
    select 'online_services_by_agency_month', count(*), min(month_start),
           (max(month_start) + interval '1 month - 1 day')::date, bool_or(is_synthetic)
    from {{ ref('mart_online_services_agency_month') }}
    union all
    select 'vneid_by_commune_month', count(*), min(month_start), max(stock_date), bool_or(is_synthetic)
    from {{ ref('mart_vneid_commune_month') }}
    union all
    select 'signature_certificates_by_type_level', count(*), min(month_start),
           (max(month_start) + interval '1 month - 1 day')::date, bool_or(is_synthetic)
    from {{ ref('mart_signature_certificates_month') }}

),

source_loads as (

    select source_name, max(loaded_at) as last_loaded_at
    from {{ ref('stg_raw__load_batch') }}
    where batch_status = 'loaded'
    group by source_name

),

last_loads as (

    select datasets.dataset_code, max(source_loads.last_loaded_at) as last_loaded_at
    from datasets
    cross join lateral unnest(string_to_array(datasets.source_names, ';')) as src (source_name)
    left join source_loads on source_loads.source_name = src.source_name
    group by datasets.dataset_code

),

final as (

    select
        datasets.dataset_code,
        datasets.source_model,
        datasets.title_vi,
        datasets.title_en,
        datasets.description_vi,
        datasets.description_en,
        datasets.topic_vi,
        datasets.topic_en,
        datasets.keywords_vi,
        datasets.publisher_agency_code,
        agencies.name_vi as publisher_name_vi,
        agencies.name_en as publisher_name_en,
        datasets.update_frequency,
        datasets.temporal_column,
        datasets.spatial_coverage_vi,
        datasets.license_id,
        datasets.grain_vi,
        datasets.grain_en,
        dataset_stats.row_count::bigint as row_count,
        dataset_stats.temporal_start,
        dataset_stats.temporal_end,
        coalesce(dataset_stats.is_synthetic, false) as is_synthetic,
        last_loads.last_loaded_at
    from datasets
    inner join agencies on agencies.agency_code = datasets.publisher_agency_code
    left join dataset_stats on dataset_stats.dataset_code = datasets.dataset_code
    left join last_loads on last_loads.dataset_code = datasets.dataset_code

)

select * from final
