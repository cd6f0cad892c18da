{#- Only the current ('loaded') batch of each day counts. The stocks of the day before sit beside each row,
    so the identity "stock today = stock yesterday + today's flow" can be tested wherever both days are loaded.
    A table, incremental by day, rather than a view: its tests and the VNeID fact read it, and as a view each of
    them evaluated the self-join over all history (0,7 s each at 3 years). A run rebuilds the days that received
    a batch since the last run and the day after each (whose previous-day stocks they are). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='report_date',
    on_schema_change='fail',
    post_hook=["{{ ensure_index(['report_date']) }}", "{{ ensure_index(['loaded_at']) }}"],
) }}

with

current_rows as (

    {{ current_batch_rows('stg_vneid__daily') }}

),

{% if is_incremental() %}
changed_days as (

    select report_date from current_rows where {{ loaded_since_last_run() }}
    union
    select report_date + 1 from current_rows where {{ loaded_since_last_run() }}

),
{% endif %}

current_vneid as (

    select
        agency_code,
        report_date,
        batch_id,
        is_synthetic,
        loaded_at,

        id_card_application_count,
        eid_application_count,
        activated_level1_count,
        activated_level2_count,
        activated_level1_count + activated_level2_count as activated_count,

        cumulative_id_card_application_count,
        cumulative_eid_application_count,
        cumulative_activated_count,
        cumulative_eid_application_count - cumulative_activated_count as cumulative_not_activated_count

    from current_rows
    {% if is_incremental() %}
    -- the changed days and the day before each, which they read
    where report_date in (select report_date from changed_days)
       or report_date in (select report_date - 1 from changed_days)
    {% endif %}

),

with_previous_day as (

    select
        current_vneid.*,
        previous_day.cumulative_id_card_application_count as previous_cumulative_id_card_application_count,
        previous_day.cumulative_eid_application_count as previous_cumulative_eid_application_count,
        previous_day.cumulative_activated_count as previous_cumulative_activated_count

    from current_vneid
    left join current_vneid as previous_day
        on previous_day.agency_code = current_vneid.agency_code
        and previous_day.report_date = current_vneid.report_date - 1
    {% if is_incremental() %}
    where current_vneid.report_date in (select report_date from changed_days)
    {% endif %}

)

select * from with_previous_day
