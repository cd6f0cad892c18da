{#- The one way chiso selects current data: the rows of a staging model whose batch is the current ('loaded')
    one of its period, with the batch's lineage beside them. Superseded batches stay in raw and staging. -#}
{% macro current_batch_rows(staging_model) -%}
    select
        staged.*,
        batches.is_synthetic,
        batches.loaded_at
    from {{ ref(staging_model) }} as staged
    inner join {{ ref('stg_raw__load_batch') }} as batches on staged.batch_id = batches.batch_id
    where batches.batch_status = 'loaded'
{%- endmacro %}
