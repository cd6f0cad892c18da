{#- Origin "published": every figure of the province's issued reports, in the shape all origins share
    (see figures__all). A stock (aggregation snapshot) is a value at its window's end, whatever the
    report called it ("lũy kế", "đến nay"). -#}
with

published as (

    select * from {{ ref('int_published__figures') }}

),

shaped as (

    select
        ---------- ids
        figure_id,
        'published' as origin,
        'published' as statement_key,  -- all reports form one statement: their figures combine
        ---------- figure key
        indicator_code,
        scope_level,
        {{ drop_encoded_dimensions('dimension') }} as dimension,
        agency_name as provider_name,
        period_type as window_type,
        window_start,
        window_end,
        window_end as as_of_date,
        ---------- values
        value,
        value_raw,
        comparator,
        printed_decimals,
        is_start_assumed,
        ---------- lineage
        source_ref,
        quote,
        null::text as file_name,
        null::text as sheet,
        null::text as cell,
        null::uuid as batch_id,
        null::text as window_text,
        null::text as title_text,
        null::date as title_window_end,
        false as is_synthetic
    from published

)

select * from shaped
