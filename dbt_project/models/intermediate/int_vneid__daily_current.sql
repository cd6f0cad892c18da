{#- Only the current ('loaded') batch of each day counts. The stocks of the day before sit beside each row,
    so the identity "stock today = stock yesterday + today's flow" can be tested wherever both days are loaded. -#}
with

vneid as (

    select * from {{ ref('stg_vneid__daily') }}

),

current_batches as (

    select batch_id, is_synthetic, loaded_at
    from {{ ref('stg_raw__load_batch') }}
    where batch_status = 'loaded'

),

current_vneid as (

    select
        vneid.agency_code,
        vneid.report_date,
        vneid.batch_id,
        current_batches.is_synthetic,
        current_batches.loaded_at,

        vneid.id_card_application_count,
        vneid.eid_application_count,
        vneid.activated_level1_count,
        vneid.activated_level2_count,
        vneid.activated_level1_count + vneid.activated_level2_count as activated_count,

        vneid.cumulative_id_card_application_count,
        vneid.cumulative_eid_application_count,
        vneid.cumulative_activated_count,
        vneid.cumulative_eid_application_count - vneid.cumulative_activated_count
            as cumulative_not_activated_count

    from vneid
    inner join current_batches on vneid.batch_id = current_batches.batch_id

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
