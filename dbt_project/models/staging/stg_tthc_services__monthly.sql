with

source as (

    select * from {{ source('tthc_services', 'monthly') }}

),

renamed as (

    select
        ---------- ids
        batch_id,
        agency_code,

        ---------- dates
        report_month,

        ---------- counts: catalogue snapshot at the month end
        tthc_count,
        dvctt_full_count,
        dvctt_partial_count,
        in_person_only_count

    from source

)

select * from renamed
