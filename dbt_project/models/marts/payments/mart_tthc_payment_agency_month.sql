{#- Online payment of procedure fees per agency and month: fee dossiers, online payments and the online payment
    rate recomputed from the summed counts by the catalogue's definition (online_payment_rate, 002:310). -#}
with

payments as (

    select * from {{ ref('fact_tthc_payment_daily') }}

),

periods as (

    select date_key, month_start, month_label_vi from {{ ref('dim_period') }}

),

agencies as (

    select agency_code, name_vi, agency_level from {{ ref('dim_agency') }} where is_current

),

agency_months as (

    select
        payments.agency_code,
        periods.month_start,
        periods.month_label_vi,
        sum(payments.fee_dossier_count)::bigint as fee_dossier_count,
        sum(payments.online_payment_count)::bigint as online_payment_count,
        {{ indicator_rate('online_payment_rate', 'payments') }} as online_payment_rate_pct,
        bool_or(payments.is_synthetic) as is_synthetic
    from payments
    inner join periods on payments.date_key = periods.date_key
    group by payments.agency_code, periods.month_start, periods.month_label_vi

),

final as (

    select
        agency_months.agency_code,
        agencies.name_vi as agency_name_vi,
        agencies.agency_level,
        agency_months.month_start,
        agency_months.month_label_vi,
        agency_months.fee_dossier_count,
        agency_months.online_payment_count,
        agency_months.online_payment_rate_pct,
        agency_months.is_synthetic
    from agency_months
    inner join agencies on agency_months.agency_code = agencies.agency_code

)

select * from final
