with

source as (

    select * from {{ source('raw', 'load_batch') }}

),

renamed as (

    select
        ---------- ids
        batch_id,
        superseded_by as superseded_by_batch_id,

        ---------- attributes
        source as source_name,
        entity as source_entity,
        status as batch_status,
        source_url,
        is_synthetic,
        error as error_message,
        accepted as accepted_note,

        ---------- periods
        period_start,
        period_end,

        ---------- counts
        row_count,
        checksum,

        ---------- timestamps
        extracted_at,
        loaded_at

    from source

)

select * from renamed
