{#- Phụ lục V (TTHC and online public services) for any report: as filed by the data owners (source
    'annex_file', the figures exactly as printed, with the warehouse's figures for the same windows beside
    them), and as computed by the warehouse at every month end (source 'warehouse'). Windows: "n tháng đầu
    năm" = 1 January to the end of month n as the file's header states it (the warehouse's rows: the last
    complete month before the report date, 19/6/2026 → 5 months);
    "lũy kế" = 01/7/2025 to the report date. Catalogue counts: the province level sums the provincial
    agencies; the commune level is the one catalogue every commune shares (never a sum over communes). -#}
with

annex as (

    select * from {{ ref('int_annex__figures_current') }}
    where annex_code = 'V'
      and admin_level <> 'total'  -- a file's total row is checked against its levels (mart_quality_findings)

),

facts as (

    select
        agencies.agency_level,
        facts.report_date,
        sum(facts.received_online_count) as received_online_count,
        sum(facts.received_direct_count) as received_direct_count
    from {{ ref('fact_tthc_dossier_daily') }} as facts
    inner join {{ ref('dim_agency') }} as agencies on agencies.agency_key = facts.agency_key
    group by agencies.agency_level, facts.report_date

),

catalogue as (

    select
        agencies.agency_level,
        services.report_month,
        case when agencies.agency_level = 'province' then sum(services.tthc_count) else max(services.tthc_count) end
            as tthc_count,
        case when agencies.agency_level = 'province' then sum(services.dvctt_full_count)
            else max(services.dvctt_full_count) end as dvctt_full_count,
        case when agencies.agency_level = 'province' then sum(services.dvctt_partial_count)
            else max(services.dvctt_partial_count) end as dvctt_partial_count
    from {{ ref('fact_tthc_service_catalogue_monthly') }} as services
    inner join {{ ref('dim_agency') }} as agencies
        on agencies.agency_code = services.agency_code and agencies.is_current
    group by agencies.agency_level, services.report_month

),

filed as (

    select
        report_date,
        admin_level as agency_level,
        max(figure_value) filter (where indicator_code = 'tthc_count') as tthc_count,
        max(figure_value) filter (where indicator_code = 'dvctt_full_count') as dvctt_full_count,
        max(figure_value) filter (where indicator_code = 'dvctt_partial_count') as dvctt_partial_count,
        max(figure_value) filter (where indicator_code = 'dossier_online_count' and time_window = 'ytd')
            as online_ytd,
        max(figure_value) filter (where indicator_code = 'dossier_online_count' and time_window = 'cumulative')
            as online_cumulative,
        max(figure_value) filter (where indicator_code = 'dossier_direct_other_count' and time_window = 'ytd')
            as direct_ytd,
        max(figure_value) filter (where indicator_code = 'dossier_direct_other_count' and time_window = 'cumulative')
            as direct_cumulative,
        min(source_file_name) as source_file_name,
        -- the windows the file's headers state ("4 tháng đầu năm" ends on 30/4 whatever the report date)
        max(window_end) filter (where time_window = 'ytd') as ytd_end
    from annex
    group by report_date, admin_level

),

report_dates as (

    select report_date, 'annex_file' as source, source_file_name, agency_level,
           coalesce(ytd_end, (date_trunc('month', report_date) - interval '1 day')::date) as ytd_end
    from filed
    union all
    select distinct
        (date_trunc('month', report_date) + interval '1 month - 1 day')::date as report_date,
        'warehouse' as source,
        null::text as source_file_name,
        agency_level,
        (date_trunc('month', report_date) + interval '1 month - 1 day')::date as ytd_end
    from facts

),

windows as (

    select
        *,
        date_trunc('year', ytd_end)::date as ytd_start,
        '{{ var("cumulative_default_start") }}'::date as cumulative_start
    from report_dates

),

computed as (

    select
        windows.report_date,
        windows.source,
        windows.agency_level,
        sum(facts.received_online_count) filter (where facts.report_date between windows.ytd_start and windows.ytd_end)
            as online_ytd,
        sum(facts.received_online_count) as online_cumulative,
        sum(facts.received_direct_count) filter (where facts.report_date between windows.ytd_start and windows.ytd_end)
            as direct_ytd,
        sum(facts.received_direct_count) as direct_cumulative,
        count(distinct facts.report_date) filter (where facts.report_date between windows.ytd_start and windows.ytd_end)
            as ytd_days_covered,
        count(distinct facts.report_date) as cumulative_days_covered
    from windows
    left join facts
        on facts.agency_level = windows.agency_level
        and facts.report_date between windows.cumulative_start and windows.report_date
    group by windows.report_date, windows.source, windows.agency_level

),

covered as (

    -- the warehouse's figure for a window only where it holds every day of that window
    select
        computed.report_date,
        computed.source,
        computed.agency_level,
        case when computed.ytd_days_covered = windows.ytd_end - windows.ytd_start + 1
            then computed.online_ytd end as online_ytd,
        case when computed.cumulative_days_covered = windows.report_date - windows.cumulative_start + 1
            then computed.online_cumulative end as online_cumulative,
        case when computed.ytd_days_covered = windows.ytd_end - windows.ytd_start + 1
            then computed.direct_ytd end as direct_ytd,
        case when computed.cumulative_days_covered = windows.report_date - windows.cumulative_start + 1
            then computed.direct_cumulative end as direct_cumulative
    from computed
    inner join windows
        on windows.report_date = computed.report_date and windows.source = computed.source
        and windows.agency_level = computed.agency_level

),

final as (

    select
        windows.report_date,
        windows.source,
        windows.source_file_name,
        case windows.agency_level when 'central' then 1 when 'province' then 2 else 3 end as stt,
        windows.agency_level,
        case windows.agency_level
            when 'central' then 'Cấp Trung ương' when 'province' then 'Cấp tỉnh' else 'Cấp xã'
        end as agency_level_vi,
        windows.ytd_start,
        windows.ytd_end,
        case when windows.ytd_end >= windows.ytd_start
            then extract(month from windows.ytd_end) || ' tháng đầu năm ' || extract(year from windows.ytd_end)
        end as ytd_label_vi,
        windows.cumulative_start,
        'Lũy kế từ ' || to_char(windows.cumulative_start, 'DD/MM/YYYY') || ' đến '
            || to_char(windows.report_date, 'DD/MM/YYYY') as cumulative_label_vi,
        case when windows.source = 'annex_file' then filed.tthc_count else catalogue.tthc_count end::bigint
            as tthc_count,
        case when windows.source = 'annex_file' then filed.dvctt_full_count else catalogue.dvctt_full_count end::bigint
            as dvctt_full_count,
        case when windows.source = 'annex_file' then filed.dvctt_partial_count
            else catalogue.dvctt_partial_count end::bigint as dvctt_partial_count,
        case when windows.source = 'annex_file' then filed.online_ytd else covered.online_ytd end::bigint
            as dossier_online_ytd,
        case when windows.source = 'annex_file' then filed.online_cumulative else covered.online_cumulative end::bigint
            as dossier_online_cumulative,
        case when windows.source = 'annex_file' then filed.direct_ytd else covered.direct_ytd end::bigint
            as dossier_direct_ytd,
        case when windows.source = 'annex_file' then filed.direct_cumulative else covered.direct_cumulative end::bigint
            as dossier_direct_cumulative,
        covered.online_ytd::bigint as computed_online_ytd,
        covered.online_cumulative::bigint as computed_online_cumulative,
        covered.direct_ytd::bigint as computed_direct_ytd,
        covered.direct_cumulative::bigint as computed_direct_cumulative
    from windows
    left join filed
        on windows.source = 'annex_file'
        and filed.report_date = windows.report_date and filed.agency_level = windows.agency_level
    left join catalogue
        on catalogue.agency_level = windows.agency_level
        and catalogue.report_month = date_trunc('month', windows.report_date)::date
    inner join covered
        on covered.report_date = windows.report_date and covered.source = windows.source
        and covered.agency_level = windows.agency_level

)

select * from final
