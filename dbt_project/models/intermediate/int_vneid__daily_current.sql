{#- Only the current ('loaded') batch of each day counts. The stocks of the day before sit beside each row,
    so the identity "stock today = stock yesterday + today's flow" can be tested wherever both days are loaded. -#}
with

current_rows as (

    {{ current_batch_rows('stg_vneid__daily') }}

),

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

)

select * from with_previous_day
