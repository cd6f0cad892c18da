{#- The reporting windows the province's reports use, ending on every month end: the month, the quarter
    (at quarter ends), "n tháng đầu năm" (year to date), 6 tháng đầu/cuối năm, the year, and "lũy kế"
    since the merger on 01/7/2025. A window is [window_start, window_end]; marts sum counts over it. -#}
with

month_ends as (

    select (date_trunc('month', d) + interval '1 month - 1 day')::date as window_end
    from generate_series(
        '{{ var("cumulative_default_start") }}'::date,
        '{{ var("period_last_day") }}'::date,
        interval '1 month'
    ) as d

),

windows as (

    select window_end, 'month' as window_type, date_trunc('month', window_end)::date as window_start
    from month_ends
    union all
    select window_end, 'quarter' as window_type, date_trunc('quarter', window_end)::date as window_start
    from month_ends where extract(month from window_end) in (3, 6, 9, 12)
    union all
    select window_end, 'year_to_date' as window_type, date_trunc('year', window_end)::date as window_start
    from month_ends
    union all
    select
        window_end,
        'half_year' as window_type,
        make_date(
            extract(year from window_end)::int, case when extract(month from window_end) <= 6 then 1 else 7 end, 1
        ) as window_start
    from month_ends where extract(month from window_end) in (6, 12)
    union all
    select window_end, 'year' as window_type, date_trunc('year', window_end)::date as window_start
    from month_ends where extract(month from window_end) = 12
    union all
    select window_end, 'since_merger' as window_type, '{{ var("cumulative_default_start") }}'::date as window_start
    from month_ends

),

labelled as (

    select
        window_type || ':' || to_char(window_end, 'YYYY-MM') as window_code,
        window_type,
        window_start,
        window_end,
        extract(year from window_end)::int as year_number,
        extract(month from window_end)::int as month_number,
        case window_type
            when 'month' then {{ month_label_vi('window_end') }}
            when 'quarter' then 'Quý ' || {{ roman_quarter('extract(quarter from window_end)::int') }}
                || '/' || extract(year from window_end)
            when 'year_to_date' then extract(month from window_end) || ' tháng đầu năm '
                || extract(year from window_end)
            when 'half_year' then case when extract(month from window_end) = 6 then '6 tháng đầu năm '
                else '6 tháng cuối năm ' end || extract(year from window_end)
            when 'year' then 'Năm ' || extract(year from window_end)
            when 'since_merger' then 'Lũy kế từ 01/7/2025 đến ' || to_char(window_end, 'DD/MM/YYYY')
        end as window_label_vi,
        case window_type
            when 'month' then to_char(window_end, 'FMMonth YYYY')
            when 'quarter' then 'Q' || extract(quarter from window_end) || ' ' || extract(year from window_end)
            when 'year_to_date' then 'January–' || to_char(window_end, 'FMMonth YYYY')
            when 'half_year' then case when extract(month from window_end) = 6 then 'H1 ' else 'H2 ' end
                || extract(year from window_end)
            when 'year' then 'Year ' || extract(year from window_end)
            when 'since_merger' then 'Since 1 July 2025 to ' || to_char(window_end, 'DD/MM/YYYY')
        end as window_label_en,
        window_end - window_start + 1 as window_days
    from windows

)

select * from labelled
