{#- One row per dossier in its latest state, keyed to the agency version valid the day it arrived and to its
    procedure. The outcome is classified here, once: resolved after its due time is overdue (quá hạn), resolved on
    a local day before the due day is early (trước hạn), any other resolution is on time (đúng hạn). Days are local
    (Asia/Ho_Chi_Minh). Incremental: a run rewrites the dossiers whose history changed since the last run. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='dossier_code',
    on_schema_change='append_new_columns',
    post_hook=["{{ ensure_index(['dossier_code']) }}", "{{ ensure_index(['loaded_at']) }}",
               "{{ ensure_index(['received_date']) }}", "{{ ensure_index(['finished_date']) }}",
               "{{ ensure_index(['built_at']) }}"],
) }}

with

states as (

    select * from {{ ref('int_tthc_dossier__states') }}
    where is_current
    {% if is_incremental() %}
        and {{ loaded_since_last_run() }}
    {% endif %}

),

agency_versions as (

    select agency_key, agency_code, valid_from, valid_to from {{ ref('dim_agency') }}

),

procedures as (

    select procedure_key, procedure_code from {{ ref('dim_procedure') }}

),

local_times as (

    select
        states.*,
        (states.received_at at time zone 'Asia/Ho_Chi_Minh')::date as received_date,
        (states.due_at at time zone 'Asia/Ho_Chi_Minh')::date as due_date,
        (states.finished_at at time zone 'Asia/Ho_Chi_Minh')::date as finished_date
    from states

),

final as (

    select
        ---------- keys
        local_times.dossier_code,
        agency_versions.agency_key,
        local_times.agency_code,
        procedures.procedure_key,
        local_times.procedure_code,
        local_times.field_code,

        ---------- classification
        local_times.channel,
        local_times.service_level,
        local_times.status,
        case
            when local_times.status = 'resolved' and local_times.finished_at > local_times.due_at then 'overdue'
            when local_times.status = 'resolved' and local_times.finished_date < local_times.due_date then 'early'
            when local_times.status = 'resolved' then 'on_time'
            when local_times.status in ('returned', 'withdrawn') then local_times.status
            else 'open'
        end as outcome,

        ---------- dates
        local_times.received_at,
        local_times.received_date,
        date_trunc('month', local_times.received_date)::date as received_month,
        local_times.due_at,
        local_times.finished_at,
        local_times.finished_date,
        date_trunc('month', local_times.finished_date)::date as finished_month,
        round(extract(epoch from local_times.finished_at - local_times.received_at) / 86400.0, 2)::numeric(9, 2)
            as processing_days,

        ---------- flags
        local_times.dossier_digitised,
        local_times.result_digitised,
        local_times.has_fee,
        local_times.paid_online,
        local_times.data_reused,
        local_times.satisfaction,

        ---------- lineage
        local_times.is_synthetic,
        local_times.loaded_at,
        {{ built_by_this_run() }} as built_at

    from local_times
    left join agency_versions
        on {{ agency_version_valid_on('agency_versions', 'local_times.agency_code', 'local_times.received_date') }}
    left join procedures on local_times.procedure_code = procedures.procedure_code

)

select * from final
