{#- Calendar days with the month / quarter / half-year / year they roll up to and the Vietnamese labels
    the province's reports print ("Quý I/2026", "6 tháng đầu năm 2026"). -#}
with

days as (

    select d::date as date_day
    from generate_series(
        '{{ var("period_first_day") }}'::date,
        '{{ var("period_last_day") }}'::date,
        interval '1 day'
    ) as d

),

parts as (

    select
        date_day,
        extract(year from date_day)::int as year_number,
        extract(quarter from date_day)::int as quarter_number,
        extract(month from date_day)::int as month_number,
        case when extract(month from date_day) <= 6 then 1 else 2 end as half_number
    from days

),

final as (

    select
        to_char(date_day, 'YYYYMMDD')::int as date_key,
        date_day,
        year_number,
        half_number,
        quarter_number,
        month_number,
        date_trunc('month', date_day)::date as month_start,
        date_trunc('quarter', date_day)::date as quarter_start,
        make_date(year_number, 6 * (half_number - 1) + 1, 1) as half_start,
        date_trunc('year', date_day)::date as year_start,
        'Ngày ' || to_char(date_day, 'DD/MM/YYYY') as day_label_vi,
        'Tháng ' || month_number || '/' || year_number as month_label_vi,
        'Quý ' || {{ roman_quarter('quarter_number') }} || '/' || year_number as quarter_label_vi,
        case half_number
            when 1 then '6 tháng đầu năm ' || year_number
            else '6 tháng cuối năm ' || year_number
        end as half_label_vi,
        'Năm ' || year_number as year_label_vi,
        extract(isodow from date_day) in (6, 7) as is_weekend
    from parts

)

select * from final
