{#- The rows of an incremental model's input loaded after the newest row already in the model (`this`): what the
    run has to bring in. The newest load time is read qualified, so a model that lost the column fails rather
    than compare with its input's own; a table kept from before the model carried loaded_at takes every row
    (its first incremental run rebuilds all, and on_schema_change='append_new_columns' adds the column). -#}
{% macro loaded_since_last_run(column='loaded_at') -%}
    {%- set kept = (adapter.get_columns_in_relation(this) | map(attribute='name') | list) if execute else [] -%}
    {%- if execute and 'loaded_at' not in kept -%}
        true
    {%- elif execute -%}
        {#- the newest load time as a literal, so the planner sees how few rows pass (an index scan), where a
            subquery's value is unknown when the query is planned and the guess is a third of the table -#}
        {{ column }} > '{{ newest_load_of_this() }}'::timestamptz
    {%- else -%}
        {{ column }} > (select coalesce(max(last_run.loaded_at), '-infinity'::timestamptz) from {{ this }} as last_run)
    {%- endif -%}
{%- endmacro %}


{#- The newest loaded_at already in this model, as text ('-infinity' when empty). -#}
{% macro newest_load_of_this() -%}
    {%- set newest = run_query("select coalesce(max(loaded_at), '-infinity'::timestamptz)::text from " ~ this) -%}
    {{- newest.columns[0].values()[0] -}}
{%- endmacro %}


{#- The batches of a feed loaded after the newest load already in this model, as a list of literals for
    `batch_id in (…)`: constants the planner can look up in the raw table's statistics, so it reads the new batches
    through the batch index instead of scanning every batch ever loaded. -#}
{% macro batches_loaded_since_last_run(source_name, entity) -%}
    {%- if execute -%}
        {%- set found = run_query(
            "select batch_id::text from " ~ ref('stg_raw__load_batch')
            ~ " where source_name = '" ~ source_name ~ "' and source_entity = '" ~ entity ~ "'"
            ~ " and batch_status in ('loaded', 'superseded')"
            ~ " and loaded_at > '" ~ newest_load_of_this() ~ "'::timestamptz") -%}
        {%- set ids = found.columns[0].values() -%}
        {%- if ids | length == 0 -%}
            null::uuid
        {%- else -%}
            {%- for id in ids -%}'{{ id }}'::uuid{{ ", " if not loop.last }}{%- endfor -%}
        {%- endif -%}
    {%- else -%}
        null::uuid
    {%- endif -%}
{%- endmacro %}


{#- For incremental facts keyed by day: the days of `relation` that received a batch after the newest batch
    already in this model, so a run deletes and re-inserts exactly those days (delete+insert on the day). -#}
{% macro days_with_new_batches(relation, date_column='report_date') -%}
    {{ date_column }} in (
        select newer.{{ date_column }} from {{ relation }} as newer
        where {{ loaded_since_last_run('newer.loaded_at') }}
    )
{%- endmacro %}


{#- dbt's hook for a test's `where` config, with two placeholders (alone or within a condition); any other `where`
    is dbt's own behaviour.
    - `__written_by_the_last_run__` tests only the rows the model's last run wrote (its built_at column, indexed),
      so the tests of a fact that grows with history cost what the night loaded. An incremental model rewrites
      whole days and never updates a row in place, so every row is tested the night it is written; a full refresh
      writes, and tests, them all.
    - `__newest_batch_of__(source.entity)` is `batch_id = '<id>'::uuid`, the feed's newest loaded batch read when
      the test runs (tools/generate_dbt.py gives it to the staging tests of a changes feed). A literal, so the
      planner reads that batch through the raw table's batch index: a subquery's value is unknown when the query
      is planned, and a tenth of the table (ten batches) was guessed and scanned, 0,4 s at 5 M records. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where and '__written_by_the_last_run__' in where -%}
        {%- set last_run = '(built_at = (select max(last_run.built_at) from ' ~ relation ~ ' as last_run))' -%}
        {%- set where = where | replace('__written_by_the_last_run__', last_run) -%}
    {%- endif -%}
    {%- set feed = modules.re.search('__newest_batch_of__[(](\\w+)[.](\\w+)[)]', where or '') -%}
    {%- if feed -%}
        {%- set newest = newest_batch_of(feed.group(1), feed.group(2)) -%}
        {%- set where = where | replace(feed.group(0), 'batch_id = ' ~ newest) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{#- The newest loaded batch of a feed as a uuid literal (`null::uuid` before its first load, or while parsing). -#}
{% macro newest_batch_of(source_name, entity) -%}
    {%- if execute -%}
        {%- set found = run_query(
            "select batch_id::text from raw.load_batch where source = '" ~ source_name ~ "' and entity = '"
            ~ entity ~ "' and status = 'loaded' order by loaded_at desc limit 1") -%}
        {%- set ids = found.columns[0].values() -%}
        {{- ("'" ~ ids[0] ~ "'::uuid") if ids | length else 'null::uuid' -}}
    {%- else -%}
        null::uuid
    {%- endif -%}
{%- endmacro %}


{#- The column every run of an incremental model stamps its rows with, for the tests above. -#}
{% macro built_by_this_run() -%}
    '{{ run_started_at }}'::timestamptz
{%- endmacro %}
