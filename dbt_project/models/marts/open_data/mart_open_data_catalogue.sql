{#- The open-data catalogue: one row per dataset published to data.lamdong.gov.vn. A dataset is a dbt exposure with
    `config.meta.open_data`, declared in the YAML beside the mart it publishes; this model lists them from the
    project's graph when it runs, so adding a dataset never touches this file. It adds the publisher's names (the
    exposure's owner, "Name (agency_code)") and when the dataset's source feeds last loaded. Row counts and
    temporal coverage are computed by publish/ from each mart, in the snapshot it exports. -#}
{%- set columns = ['dataset_code', 'source_model', 'title_vi', 'title_en', 'description_vi', 'description_en',
                   'topic_vi', 'topic_en', 'keywords_vi', 'publisher_agency_code', 'update_frequency',
                   'temporal_column', 'spatial_coverage_vi', 'license_id', 'grain_vi', 'grain_en', 'source_names'] -%}
{%- set declared = [] -%}
{%- if execute -%}
    {%- for exposure in graph.exposures.values() | sort(attribute='name')
            if (exposure.config.meta or {}).get('open_data') is mapping -%}
        {%- set od = exposure.config.meta.open_data -%}
        {%- if exposure.depends_on.nodes | length != 1 -%}
            {{ exceptions.raise_compiler_error("open-data exposure " ~ exposure.name ~ " must depend on exactly one"
                                               ~ " mart (depends_on: [ref('<mart>')]), not "
                                               ~ exposure.depends_on.nodes | length) }}
        {%- endif -%}
        {%- set owner = modules.re.search('[(]([a-z0-9_]+)[)] *$', exposure.owner.name or '') -%}
        {%- do declared.append(dict(od, dataset_code=exposure.name,
                                    source_model=graph.nodes[exposure.depends_on.nodes[0]].name,
                                    publisher_agency_code=owner.group(1) if owner else none,
                                    keywords_vi=(od.keywords_vi or []) | join(';'),
                                    source_names=(od.source_names or []) | join(';'))) -%}
    {%- endfor -%}
{%- endif -%}

with

datasets as (

    select
        {%- for column in columns %}
        null::text as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    where false
    {%- for dataset in declared %}
    union all
    select
        {%- for column in columns %}
        {% if dataset.get(column) is none %}null{% else %}'{{ dataset[column] | string | replace("'", "''") }}'{% endif %}
        {{- "," if not loop.last }}
        {%- endfor %}
    {%- endfor %}

),

agencies as (

    select agency_code, name_vi, name_en from {{ ref('dim_agency') }} where is_current

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
        datasets.source_names,
        last_loads.last_loaded_at
    from datasets
    left join agencies on agencies.agency_code = datasets.publisher_agency_code
    left join last_loads on last_loads.dataset_code = datasets.dataset_code

)

select * from final
