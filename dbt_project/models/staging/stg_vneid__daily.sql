with

source as (

    select * from {{ source('vneid', 'daily') }}

),

renamed as (

    select
        ---------- ids
        batch_id,
        agency_code,

        ---------- dates
        report_date,

        ---------- counts: the day's applications (hồ sơ thu nhận trong ngày)
        id_card_applications::bigint as id_card_application_count,
        eid_applications::bigint as eid_application_count,

        ---------- counts: the day's activations (tài khoản kích hoạt trong ngày)
        level1_activations::bigint as activated_level1_count,
        level2_activations::bigint as activated_level2_count,

        ---------- stocks at the end of the day (lũy kế, kể cả số dư trước 01/7/2025)
        cumulative_id_card_applications::bigint as cumulative_id_card_application_count,
        cumulative_eid_applications::bigint as cumulative_eid_application_count,
        cumulative_activations::bigint as cumulative_activated_count

    from source

)

select * from renamed
