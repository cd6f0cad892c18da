with

source as (

    select * from {{ source('raw', 'tthc_dossier_daily') }}

),

renamed as (

    select
        ---------- ids
        batch_id,
        agency_code,

        ---------- dates
        report_date,

        ---------- counts: received (tiếp nhận mới)
        received_online::bigint as received_online_count,
        received_direct::bigint as received_direct_count,

        ---------- counts: resolved (đã giải quyết)
        resolved_early::bigint as resolved_early_count,
        resolved_on_deadline::bigint as resolved_on_deadline_count,
        resolved_overdue::bigint as resolved_overdue_count

    from source

)

select * from renamed
