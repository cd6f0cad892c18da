{#- The history of every dossier's states, type 2: one row per dossier × state the warehouse has seen, valid from
    its updated_at until the next state's. Every batch counts, superseded ones too, since each saw a true state at
    its time; a state seen twice keeps the latest load. Incremental: a run rewrites the whole history of each dossier
    that a batch loaded since the last run mentions (read by the raw key index), never all of history. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='dossier_code',
    on_schema_change='append_new_columns',
    post_hook=["{{ ensure_index(['dossier_code']) }}", "{{ ensure_index(['loaded_at']) }}",
               "{{ ensure_index(['is_current', 'loaded_at']) }}",
               "{{ ensure_index(['built_at']) }}"],
) }}

with

batches as (

    select batch_id, is_synthetic, loaded_at
    from {{ ref('stg_raw__load_batch') }}
    where batch_status in ('loaded', 'superseded')

),

{% if is_incremental() %}
changed as (

    -- the dossiers a batch loaded since the last run mentions
    select distinct changed.dossier_code
    from {{ ref('stg_tthc_dossier__state') }} as changed
    where changed.batch_id in ({{ batches_loaded_since_last_run('tthc_dossier', 'state') }})

),

states as (

    -- every state raw holds of each, looked up one dossier at a time by the raw key index. A lateral lookup
    -- (kept apart by `offset 0`, so the planner cannot fold it into a join) leaves one sensible plan: as a join or
    -- `in (…)` the planner scanned all raw rows (1,8 s at 5 M records), and with `= any(array(…))` on a raw
    -- table not yet analysed it filtered every raw row through the array (minutes)
    select seen.*
    from changed
    cross join lateral (
        select * from {{ ref('stg_tthc_dossier__state') }} as one
        where one.dossier_code = changed.dossier_code
        offset 0
    ) as seen

),
{% else %}
states as (

    select * from {{ ref('stg_tthc_dossier__state') }}

),
{% endif %}

observed as (

    select
        states.*,
        batches.is_synthetic,
        batches.loaded_at
    from states
    inner join batches on states.batch_id = batches.batch_id

),

versions as (

    select distinct on (dossier_code, updated_at) *
    from observed
    order by dossier_code asc, updated_at asc, loaded_at desc

),

final as (

    select
        ---------- ids
        dossier_code,
        procedure_code,
        field_code,
        agency_code,
        channel,
        service_level,
        status,
        applicant_key,

        ---------- dates
        received_at,
        due_at,
        finished_at,
        updated_at as valid_from,
        lead(updated_at) over (partition by dossier_code order by updated_at) as valid_to,

        ---------- flags
        lead(updated_at) over (partition by dossier_code order by updated_at) is null as is_current,
        dossier_digitised,
        result_digitised,
        has_fee,
        paid_online,
        data_reused,
        satisfaction,

        ---------- lineage
        batch_id,
        is_synthetic,
        max(loaded_at) over (partition by dossier_code) as loaded_at,
        {{ built_by_this_run() }} as built_at

    from versions

)

select * from final
