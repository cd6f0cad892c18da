{#- For incremental facts keyed by day: the days of `relation` that received a batch after the newest batch
    already in this model, so a run deletes and re-inserts exactly those days (delete+insert on the day). -#}
{% macro days_with_new_batches(relation, date_column='report_date') -%}
    {{ date_column }} in (
        select newer.{{ date_column }} from {{ relation }} as newer
        where newer.loaded_at > (select coalesce(max(loaded_at), '-infinity'::timestamptz) from {{ this }})
    )
{%- endmacro %}
